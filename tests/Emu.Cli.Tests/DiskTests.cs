using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>`emu run --disk` as a user runs it: the guest's writes reach the file, FLUSH means durable
/// even when the emulator is killed right after, and traces show the disk's host IO.</summary>
public sealed class DiskTests : IDisposable
{
    private static string AtaDir => Path.Combine(RepoPaths.GuestImages, "tests", "ata");
    private readonly TempFile _image = TempFile.CopyOf(Path.Combine(AtaDir, "disk.img"));

    public void Dispose() => _image.Dispose();

    private static byte[] Pattern(int seed, int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
            data[i] = (byte)(seed + 5 * i);
        return data;
    }

    [Fact]
    public void A_guest_write_reaches_the_image_file()
    {
        var r = EmuProcess.Run("run", "guest-images/tests/ata/write.bin", "--disk", _image.Path);

        r.ExitCode.Should().Be(1, "the program exits through isa-debug-exit with 0 (status 1)");
        r.Stdout.Should().Contain("read-back lba=100 count=3 crc=643A3BE1");
        byte[] after = File.ReadAllBytes(_image.Path);
        after.AsSpan(100 * 512, 1024).SequenceEqual(Pattern(0x40, 1024)).Should().BeTrue();
        after.AsSpan(102 * 512, 512).SequenceEqual(Pattern(0x90, 512)).Should().BeTrue();
    }

    [Fact]
    public void A_readonly_disk_is_not_written()
    {
        var r = EmuProcess.Run("run", "guest-images/tests/ata/write.bin", "--disk", _image.Path + ",readonly");

        r.Stdout.Should().Contain("status=41 error=04");
        File.ReadAllBytes(_image.Path).Should().Equal(File.ReadAllBytes(Path.Combine(AtaDir, "disk.img")));
    }

    /// <summary>The guest writes sector 50, FLUSHes, says so and waits; the emulator is killed with SIGKILL
    /// (no Dispose, no flush on the way out) as soon as the line appears, and the file must hold the sector.
    /// This proves nothing was left buffered inside the process when FLUSH completed. That the host's
    /// page cache reached the platter (fsync) is not observable short of a host crash; the Emu.Io tests
    /// check that FLUSH CACHE calls the backend's Flush before it completes.</summary>
    [Fact]
    public void After_FLUSH_completes_the_data_survives_a_SIGKILL()
    {
        using var process = Process.Start(EmuProcess.StartInfo(["run", "guest-images/tests/ata/flush-wait.bin", "--disk", _image.Path, "--timeout", "60"]))!;
        var seen = new List<string>();
        try
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                seen.Add(line);
                if (line == "flush complete")
                    break;
            }
            seen.Should().Contain("flush-cache status=50 error=00");
            seen.Should().EndWith("flush complete");
            process.HasExited.Should().BeFalse("the guest is still waiting, so nothing but FLUSH put the data in the file");
            process.Kill(); // SIGKILL on Unix
            process.WaitForExit(10_000).Should().BeTrue();
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }

        process.ExitCode.Should().Be(137, "killed by SIGKILL, not a clean exit");
        File.ReadAllBytes(_image.Path).AsSpan(50 * 512, 512).SequenceEqual(Pattern(0x77, 512)).Should().BeTrue();
    }

    [Fact]
    public void Trace_shows_commands_irqs_and_backend_io_with_host_time()
    {
        using var trace = TempFile.With();
        var r = EmuProcess.Run("run", "guest-images/tests/ata/pio.bin", "--disk", _image.Path, "--trace", trace.Path, "--trace-host-time");
        r.ExitCode.Should().Be(1);
        string text = File.ReadAllText(trace.Path);
        text.Should().Contain("ata0 READ SECTORS lba=5 count=3");
        text.Should().Contain("irq irq14 raised");
        text.Should().MatchRegex(@"ata0-master backend read offset=2560 length=512  \[\d+ ns\]");
    }
}
