using System.Runtime.InteropServices;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM: emu stops at an instruction boundary, says in one line what it stopped and exits
/// 130 or 143, with every write the guest completed in its disk image; emu test stops at the program it was
/// running instead of counting it as a failure and going on.
/// </summary>
public sealed partial class InterruptionTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-signal-");

    public void Dispose() => _dir.Dispose();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    private const int SigInt = 2, SigTerm = 15;

    [Fact]
    public async Task SIGTERM_stops_the_run_with_one_line_and_the_disk_holding_every_completed_write()
    {
        string image = _dir["disk.img"];
        File.Copy(Path.Combine(RepoPaths.GuestImages, "tests", "ata", "disk.img"), image);
        using var emu = new RunningEmu("run", "guest-images/tests/ata/flush-wait-dma.bin", "--disk", image);
        emu.WaitForLine(l => l == "unflushed write complete", "its last line");

        SendSignal(emu.Process.Id, SigTerm).Should().Be(0);

        emu.WaitForExit().Should().Be(143);
        (await emu.Stderr).Should().MatchRegex(@"^emu: terminated by SIGTERM at [0-9A-F]{4}:[0-9A-F]{4} after [\d,]+ instructions\n$");
        byte[] disk = File.ReadAllBytes(image);
        disk.AsSpan(70 * 512, 512).ToArray().Should().Equal(Enumerable.Range(0, 512).Select(i => (byte)(0xC3 + 5 * i)),
            "the write the guest completed last (LBA 70, not flushed by the guest) is in the file");
    }

    [Theory]
    [InlineData(SigInt, 130, "interrupted")]
    [InlineData(SigTerm, 143, "terminated by SIGTERM")]
    public async Task A_signal_during_emu_test_stops_it_at_the_program_it_was_running(int signal, int status, string verb)
    {
        const string Pass = "; expect-exit: 0\n        org 0x7C00\n        cli\n        hlt\n";
        File.WriteAllText(_dir["a-passes.asm"], Pass);
        File.WriteAllText(_dir["b-spins.asm"], "; expect-exit: 0\n; emu-options: --max-instructions 100000000000 --timeout 600\n        org 0x7C00\n        jmp $\n");
        File.WriteAllText(_dir["c-passes.asm"], Pass);
        using var emu = new RunningEmu("test", _dir.Path);
        emu.WaitForLine(l => l.StartsWith("PASS ", StringComparison.Ordinal), "the first program's PASS");
        Thread.Sleep(1000); // into b-spins

        SendSignal(emu.Process.Id, signal).Should().Be(0);

        emu.WaitForExit().Should().Be(status);
        string stderr = await emu.Stderr;
        stderr.Should().Be($"emu: {verb} while testing {_dir["b-spins.asm"]} (1 passed, 0 failed before it)\n");
        emu.Lines.Should().Equal([$"PASS {_dir["a-passes.asm"]}"], "the interrupted program is no FAIL, and the run stops there");
    }
}
