using Emu.Tests.Shared;
using System.IO.Compression;

namespace Emu.Cli.Tests;

/// <summary>
/// What the guest caused and what the host failed at never share an exit status (README, "Exit status"); a guest
/// that passes says so without looking like an error; emu test does not count a source with nothing to check as a
/// failure; the keyboard takes \xHH; emu conformance takes one file and says when --only matches nothing.
/// </summary>
public sealed class GuestStatusTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-status-");

    public void Dispose() => _dir.Dispose();

    private string Program(string name, params byte[] code)
    {
        string path = _dir[name];
        File.WriteAllBytes(path, code);
        return path;
    }

    [Fact]
    public void A_guest_calling_INT_19h_with_no_disk_ends_with_the_guest_status_4_not_the_host_error_1()
    {
        var r = EmuProcess.Run("run", Program("int19.bin", 0xCD, 0x19)); // int 19h

        r.ShouldBeOneLineError(4, "emu: no bootable disk");
    }

    [Fact]
    public void A_guest_writing_0_to_isa_debug_exit_gets_status_1_in_words_that_are_no_error()
    {
        var r = EmuProcess.Run("run", Program("exit0.bin", 0xB0, 0x00, 0xE6, 0xF4)); // mov al, 0; out 0F4h, al

        r.ExitCode.Should().Be(1, "QEMU's rule: (0 << 1) | 1");
        r.Stderr.Should().Be("emu: guest exited: it wrote 0 to isa-debug-exit (port F4h), so the status is (0 << 1) | 1 = 1\n");
    }

    [Fact]
    public void Emu_test_skips_sources_without_expectations_and_counts_them()
    {
        var r = EmuProcess.Run("test", "guest-images/bench", "guest-images/firmware");

        r.ExitCode.Should().Be(0, r.Stdout);
        r.Stdout.Should().NotContain("FAIL");
        r.Stdout.Should().Contain("SKIP guest-images/firmware/bios.asm: no expectations");
        r.Stdout.Should().MatchRegex(@"(?m)^0 passed, 0 failed, [1-9]\d* skipped \(no expectations\)$");
    }

    [Fact]
    public void Keys_take_hex_escapes()
    {
        var r = EmuProcess.Run("boot", "guest-images/demos/bootdemo.bin", "--screen", "--keys", "\\x45m\\x75\\n");

        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stdout.Should().Contain("Hello, Emu!");
    }

    /// <summary>A one-test SingleStepTests file: NOP at 0000:0100, which only moves IP.</summary>
    private string VectorFile(string name)
    {
        string path = _dir[name];
        const string Json = """
            [{"name": "nop", "bytes": [144],
              "initial": {"regs": {"ax": 0, "bx": 0, "cx": 0, "dx": 0, "cs": 0, "ss": 0, "ds": 0, "es": 0,
                                   "sp": 512, "bp": 0, "si": 0, "di": 0, "ip": 256, "flags": 61442},
                          "ram": [[256, 144]], "queue": []},
              "final": {"regs": {"ip": 257}, "ram": [[256, 144]], "queue": []},
              "test_num": 0}]
            """;
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(System.Text.Encoding.UTF8.GetBytes(Json));
        return path;
    }

    [Fact]
    public void Emu_conformance_runs_one_file_and_says_when_only_matches_nothing()
    {
        string file = VectorFile("90.json.gz");

        var one = EmuProcess.Run("conformance", file, "--cpu", "8086");
        one.ExitCode.Should().Be(0, one.Stderr);
        one.Stdout.Should().Contain("90.json.gz 1/1").And.EndWith("1 passed, 0 failed\n");

        EmuProcess.Run("conformance", _dir.Path, "--only", "ZZ")
            .ShouldBeOneLineError(2, $"--only 'ZZ' matches none of the 1 test files in '{_dir}'");
    }
}
