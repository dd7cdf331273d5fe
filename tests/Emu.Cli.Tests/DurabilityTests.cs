using System.Diagnostics;
using System.Runtime.InteropServices;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// No data loss through the ATA paths or virtio-blk: the real emu runs a guest that writes by DMA (or through a
/// virtqueue), FLUSHes (FLUSH CACHE, or VIRTIO_BLK_T_FLUSH), reports it on the debug console, writes once more
/// without a flush and then waits. Killed with SIGKILL, the image must hold what was flushed (and, with
/// cache=writethrough, every completed write). Stopped by --max-instructions, --timeout or SIGINT (Ctrl-C), it
/// must hold everything the guest completed and say in one line what happened. The PIO path's SIGKILL case is
/// DiskTests.After_FLUSH_completes_the_data_survives_a_SIGKILL; its limit case is here.
/// </summary>
public sealed partial class DurabilityTests : IDisposable
{
    private const string DmaGuest = "guest-images/tests/ata/flush-wait-dma.bin";
    private const string VirtioGuest = "guest-images/tests/virtio/flush-wait.bin";
    private readonly TempFile _image = TempFile.CopyOf(Path.Combine(RepoPaths.GuestImages, "tests", "ata", "disk.img"));
    private readonly TempFile _virtioImage = TempFile.CopyOf(Path.Combine(RepoPaths.GuestImages, "tests", "virtio", "disk.img"));

    public void Dispose()
    {
        _image.Dispose();
        _virtioImage.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    private const int SigInt = 2;

    private static byte[] Pattern(int seed, int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
            data[i] = (byte)(seed + 5 * i);
        return data;
    }

    private bool Holds(long lba, int seed, int sectors, string? image = null) =>
        File.ReadAllBytes(image ?? _image.Path).AsSpan((int)(lba * 512), sectors * 512).SequenceEqual(Pattern(seed, sectors * 512));

    private bool FlushedDmaWrite => Holds(60, 0x5A, 2);
    private bool UnflushedDmaWrite => Holds(70, 0xC3, 1);
    private bool FlushedVirtioWrite => Holds(2, 0x5A, 2, _virtioImage.Path);
    private bool UnflushedVirtioWrite => Holds(5, 0xC3, 1, _virtioImage.Path);

    /// <summary>Starts emu, reads its stdout until <paramref name="line"/>, and returns the still-running process.</summary>
    private static (Process Process, List<string> Seen, Task<string> Stderr) StartUntil(string line, params string[] args)
    {
        var process = Process.Start(EmuProcess.StartInfo(args))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var seen = new List<string>();
        var read = Task.Run(() =>
        {
            while (process.StandardOutput.ReadLine() is { } l)
            {
                seen.Add(l);
                if (l == line)
                    return true;
            }
            return false;
        });
        if (!read.Wait(60_000) || !read.Result)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"emu never printed '{line}'; it printed: {string.Join(" | ", seen)}; stderr: {stderr.Result}");
        }
        return (process, seen, stderr);
    }

    private static int WaitForExit(Process process)
    {
        if (!process.WaitForExit(30_000))
        {
            string state = ProcessState(process.Id);
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"emu did not stop; {state}");
        }
        return process.ExitCode;
    }

    // What a stuck emu was doing: its signal masks (was SIGINT ignored, blocked, caught?) and each thread's state.
    private static string ProcessState(int pid)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal) || l.StartsWith("State", StringComparison.Ordinal));
            var threads = Directory.GetDirectories($"/proc/{pid}/task").Select(t =>
                $"{File.ReadAllText(Path.Combine(t, "comm")).Trim()}:{File.ReadAllText(Path.Combine(t, "stat")).Split(' ')[2]}:{File.ReadAllText(Path.Combine(t, "wchan"))}");
            return string.Join("; ", status) + "; threads " + string.Join(", ", threads);
        }
        catch (IOException e)
        {
            return $"no /proc state ({e.Message})";
        }
    }

    [Theory]
    [InlineData("writeback")]
    [InlineData("writethrough")]
    public void After_a_DMA_write_and_FLUSH_the_data_survives_a_SIGKILL(string cache) =>
        FlushedWriteSurvivesSigkill(DmaGuest, "--disk", _image.Path, cache, "flush-cache status=50 error=00", () => FlushedDmaWrite, () => UnflushedDmaWrite);

    [Theory]
    [InlineData("writeback")]
    [InlineData("writethrough")]
    public void After_a_virtio_write_and_FLUSH_the_data_survives_a_SIGKILL(string cache) =>
        FlushedWriteSurvivesSigkill(VirtioGuest, "--virtio-disk", _virtioImage.Path, cache, "flush ok", () => FlushedVirtioWrite, () => UnflushedVirtioWrite);

    /// <summary>Runs <paramref name="guest"/> until it has FLUSHed one write and completed another without a flush,
    /// SIGKILLs emu, and checks the image: the flushed write is there, and with cache=writethrough the other too.
    /// (In writeback mode the unflushed write may be lost on a host crash; a process kill leaves the host's page
    /// cache intact, so it is usually there, but that is not a guarantee and not asserted.)</summary>
    private static void FlushedWriteSurvivesSigkill(string guest, string diskOption, string image, string cache, string flushSeen,
        Func<bool> flushed, Func<bool> unflushed)
    {
        flushed().Should().BeFalse("the shipped disk does not hold the pattern already");
        unflushed().Should().BeFalse();
        var (process, seen, _) = StartUntil("unflushed write complete", "run", guest, diskOption, $"{image},cache={cache}");
        using (process)
        {
            seen.Should().Contain(flushSeen, "the flush came back with success before the message");
            process.HasExited.Should().BeFalse("the guest is waiting, so nothing but its own commands put data in the file");
            process.Kill(); // SIGKILL: no Dispose, no flush on the way out
            WaitForExit(process).Should().Be(137, "killed by SIGKILL, not a clean exit");
        }
        flushed().Should().BeTrue("a write the guest FLUSHed is never lost");
        if (cache == "writethrough")
            unflushed().Should().BeTrue("with cache=writethrough every completed write is durable");
    }

    [Fact]
    public async Task Ctrl_C_stops_the_guest_with_the_image_consistent_and_one_line()
    {
        var (process, _, stderr) = StartUntil("unflushed write complete", "run", DmaGuest, "--disk", _image.Path);
        using (process)
        {
            SendSignal(process.Id, SigInt).Should().Be(0);
            WaitForExit(process).Should().Be(130);
        }
        (await stderr).Should().MatchRegex(@"^emu: interrupted at [0-9A-F]{4}:[0-9A-F]{4} after [\d,]+ instructions\n$");
        FlushedDmaWrite.Should().BeTrue();
        UnflushedDmaWrite.Should().BeTrue("everything the guest completed is in the file after a clean stop");
    }

    [Fact]
    public void Timeout_stops_the_guest_with_the_image_consistent_and_one_line()
    {
        var r = EmuProcess.Run("run", DmaGuest, "--disk", _image.Path, "--timeout", "2");

        r.ExitCode.Should().Be(124);
        r.Stdout.Should().Contain("unflushed write complete");
        r.Stderr.Should().MatchRegex(@"^emu: stopped after 2 s of host time \(--timeout\) at [0-9A-F]{4}:[0-9A-F]{4}\n$");
        FlushedDmaWrite.Should().BeTrue();
        UnflushedDmaWrite.Should().BeTrue();
    }

    [Theory]
    [InlineData(DmaGuest, "unflushed write complete")]
    [InlineData("guest-images/tests/ata/flush-wait.bin", "flush complete")]
    public void Max_instructions_stops_the_guest_with_the_image_consistent_and_one_line(string guest, string reached)
    {
        var r = EmuProcess.Run("run", guest, "--disk", _image.Path, "--max-instructions", "3000000");

        r.ExitCode.Should().Be(124);
        r.Stdout.Should().Contain(reached);
        r.Stderr.Should().MatchRegex(@"^emu: stopped after 3,000,000 instructions \(--max-instructions\)\n$");
        if (guest == DmaGuest)
        {
            FlushedDmaWrite.Should().BeTrue();
            UnflushedDmaWrite.Should().BeTrue();
        }
        else
        {
            Holds(50, 0x77, 1).Should().BeTrue();
        }
    }
}
