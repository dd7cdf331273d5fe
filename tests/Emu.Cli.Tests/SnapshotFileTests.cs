using System.Security.Cryptography;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// --save-snapshot and --load-snapshot (docs/DEBUGGING.md): a run stopped by --max-instructions, saved, and resumed
/// from the file ends exactly as the run that never stopped (exit status, the --stats table, what the guest printed,
/// the disk's bytes), on guests that use ATA DMA, virtio and the timers; and a file that is not a snapshot of this
/// build and this machine is refused in one line, never changed.
/// </summary>
public class SnapshotFileTests
{
    public static TheoryData<string, string, string, long> Guests() => new()
    {
        { "guest-images/tests/ata/dma.bin", "--disk", "guest-images/tests/ata/disk.img", 1_000_000 },
        { "guest-images/tests/virtio/flush-wait.bin", "--virtio-disk", "guest-images/tests/virtio/disk.img", 4_000 },
        { "guest-images/tests/timer-reprogram.bin", "", "", 2_000 },
    };

    [Theory]
    [MemberData(nameof(Guests))]
    public void A_run_resumed_from_its_snapshot_ends_as_the_uninterrupted_run(string program, string diskOption, string disk, long stopAt)
    {
        using var diskA = disk.Length > 0 ? TempFile.CopyOf(Path.Combine(RepoPaths.Root, disk)) : null;
        using var diskB = disk.Length > 0 ? TempFile.CopyOf(Path.Combine(RepoPaths.Root, disk)) : null;
        using var snapshot = TempFile.Named(".snap");
        string[] Options(TempFile? d) => d is null ? ["--serial-input", "q"] : [diskOption, d.Path, "--serial-input", "q"];

        var whole = EmuProcess.Run(["run", program, .. Options(diskA), "--stats"]);
        var first = EmuProcess.Run(["run", program, .. Options(diskB), "--max-instructions", stopAt.ToString(), "--save-snapshot", snapshot.Path]);
        first.ExitCode.Should().Be(124, first.Stderr);
        byte[] saved = File.ReadAllBytes(snapshot.Path);
        var resumed = EmuProcess.Run(["run", program, .. Options(diskB), "--load-snapshot", snapshot.Path, "--stats"]);

        resumed.ExitCode.Should().Be(whole.ExitCode, resumed.Stderr);
        // (The block engine's lines describe the host's compiled code, which the resumed process builds afresh.)
        static string GuestStats(string stderr) => string.Join('\n', stderr.Split('\n').Where(line => !line.Contains("compiled")));
        GuestStats(resumed.Stderr).Should().Be(GuestStats(whole.Stderr), "the statistics count every exit of both pieces, and the run ends the same way");
        (first.Stdout + resumed.Stdout).Should().Be(whole.Stdout);
        whole.Stderr.Should().Contain("VM exits");
        if (diskA is not null)
            File.ReadAllBytes(diskB!.Path).Should().Equal(File.ReadAllBytes(diskA.Path));
        File.ReadAllBytes(snapshot.Path).Should().Equal(saved, "loading never writes the snapshot");
    }

    [Fact]
    public void Bad_snapshots_are_refused_in_one_line_and_left_untouched()
    {
        const string Program = "guest-images/demos/hello.bin";
        using var good = TempFile.Named(".snap");
        EmuProcess.Run("run", Program, "--max-instructions", "1000", "--save-snapshot", good.Path).ExitCode.Should().Be(124);
        byte[] bytes = File.ReadAllBytes(good.Path);

        using var garbage = TempFile.With(RandomNumberGenerator.GetBytes(5000));
        using var truncated = TempFile.With(bytes[..(bytes.Length / 2)]);
        var otherVersion = bytes.ToArray();
        otherVersion[8] = 99; // the format version follows the 8-byte magic
        using var newer = TempFile.With(otherVersion);
        var otherLayout = bytes.ToArray();
        otherLayout[12] ^= 0xFF; // the layout fingerprint follows the version
        using var otherBuild = TempFile.With(otherLayout);

        var cases = new (string Path, string Says, string[] Extra)[]
        {
            (garbage.Path, "is not an emu snapshot", []),
            (truncated.Path, "is truncated", []),
            (newer.Path, "has format version 99", []),
            (otherBuild.Path, "was saved by another emu build", []),
            (good.Path, "is of another machine", ["--memory", "512"]),
            (good.Path + ".missing", "does not exist", []),
        };
        foreach (var (path, says, extra) in cases)
        {
            byte[]? before = File.Exists(path) ? File.ReadAllBytes(path) : null;
            var r = EmuProcess.Run(["run", Program, "--load-snapshot", path, .. extra]);
            r.ShouldBeOneLineError(1, says);
            if (before is not null)
                File.ReadAllBytes(path).Should().Equal(before);
        }
    }

    [Fact]
    public void Saving_over_the_loaded_snapshot_is_a_usage_error()
    {
        using var snap = TempFile.Named(".snap");
        EmuProcess.Run("run", "guest-images/demos/hello.bin", "--max-instructions", "1000", "--save-snapshot", snap.Path).ExitCode.Should().Be(124);
        byte[] before = File.ReadAllBytes(snap.Path);

        var r = EmuProcess.Run("run", "guest-images/demos/hello.bin", "--load-snapshot", snap.Path, "--save-snapshot", snap.Path);

        r.ShouldBeOneLineError(2, "would destroy an input");
        File.ReadAllBytes(snap.Path).Should().Equal(before);
    }
}
