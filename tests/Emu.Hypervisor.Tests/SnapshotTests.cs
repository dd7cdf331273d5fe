using Emu.Hypervisor.Debugging;

namespace Emu.Hypervisor.Tests;

/// <summary>
/// Whole-machine snapshots: a machine put back into a snapshot and run on ends exactly as the run that never
/// stopped (registers, virtual time, exit statistics, screen, console output, disk bytes), on shipped guests that
/// use the PIT and the RTC, ATA bus-master DMA and virtio; and putting it back restores the bytes on its disks.
/// </summary>
public sealed class SnapshotTests
{
    public static TheoryData<string, string> Guests() => new()
    {
        { "tests/timer-reprogram.bin", "none" },
        { "tests/ata/dma.bin", "ata" },
        { "tests/virtio/flush-wait.bin", "virtio" },
    };

    private sealed record Final(string Outcome, string Registers, long Retired, long NowNs, string Stats, string Screen);

    [Theory]
    [MemberData(nameof(Guests))]
    public void A_restored_machine_runs_to_the_same_end_as_the_uninterrupted_run(string image, string disk)
    {
        var (uninterrupted, console, finalDisk) = RunOnce(image, disk, machine => End(machine, machine.Run(Limits)));

        foreach (int part in new[] { 3, 2 })
        {
            using var run = Start(image, disk);
            long at = uninterrupted.Retired / part;
            run.Machine.Run(new RunLimits { MaxInstructions = at }).End.Should().Be(RunEnd.InstructionLimit);
            var snapshot = run.Machine.Snapshots.Take();
            byte[] diskAtSnapshot = run.DiskBytes();
            string consoleAtSnapshot = run.Console;

            End(run.Machine, run.Machine.Run(Limits)).Should().Be(uninterrupted, "a run in two pieces ends as one in one piece");
            run.Machine.Snapshots.Restore(snapshot);
            run.DiskBytes().Should().Equal(diskAtSnapshot, $"the disk is as it was after {at} instructions");
            run.Machine.Cpu.Retired.Should().Be(at);

            End(run.Machine, run.Machine.Run(Limits)).Should().Be(uninterrupted, $"restored to instruction {at}");
            run.DiskBytes().Should().Equal(finalDisk);
            run.Console.Should().Be(console + console[consoleAtSnapshot.Length..], "the guest printed the rest again");
        }
    }

    [Fact]
    public void Restoring_puts_back_the_sectors_that_dma_wrote_after_the_snapshot()
    {
        using var run = Start("tests/ata/dma.bin", "ata");
        byte[] before = run.DiskBytes();
        var snapshot = run.Machine.Snapshots.Take();
        run.Machine.Run(Limits).End.Should().Be(RunEnd.DebugExit);
        run.DiskBytes().Should().NotEqual(before, "dma.bin writes sectors 600-607");
        run.Machine.Snapshots.DiskJournal.Bytes.Should().Be(8 * 512);

        run.Machine.Snapshots.Restore(snapshot);

        run.DiskBytes().Should().Equal(before);
        run.Machine.Snapshots.DiskJournal.Bytes.Should().Be(0);
    }

    private static readonly RunLimits Limits = new() { MaxInstructions = 200_000_000 };

    private static Final End(VirtualMachine vm, RunOutcome outcome)
    {
        vm.UpdateStatistics();
        var stats = new StringWriter();
        vm.Stats.WriteTable(stats);
        // The block engine's lines describe the host's compiled code, which a restored machine builds afresh: not
        // part of where the guest ends.
        string guestStats = string.Join('\n', stats.ToString().Split('\n').Where(line => !line.Contains("compiled")));
        return new Final($"{outcome.End} {outcome.ExitCode} {outcome.Message}", MachineDebugger.RegisterLine(vm.Cpu), vm.Cpu.Retired, vm.NowNs,
            guestStats, string.Join('\n', vm.Display.TextLines()));
    }

    private static (Final End, string Console, byte[] Disk) RunOnce(string image, string disk, Func<VirtualMachine, Final> run)
    {
        using var guest = Start(image, disk);
        var end = run(guest.Machine);
        return (end, guest.Console, guest.DiskBytes());
    }

    private static Guest Start(string image, string disk) => new(image, disk);

    /// <summary>A shipped guest on a fresh machine, with a scratch copy of its test disk.</summary>
    private sealed class Guest : IDisposable
    {
        private readonly TempFile? _disk;
        private readonly GuestRunner _runner;

        public Guest(string image, string disk)
        {
            string dir = Path.GetDirectoryName(image)!;
            _disk = disk == "none" ? null : TempFile.CopyOf(Path.Combine(RepoPaths.GuestImages, dir, "disk.img"));
            _runner = new GuestRunner(image, disks: disk == "ata" ? [new DiskSpec(_disk!.Path)] : null,
                virtioDisk: disk == "virtio" ? new DiskSpec(_disk!.Path) : null, serialInput: disk == "virtio" ? "q" : null);
        }

        public VirtualMachine Machine => _runner.Machine;
        public string Console => _runner.Console;

        public byte[] DiskBytes()
        {
            if (_disk is null)
                return [];
            using var f = new FileStream(_disk.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var bytes = new byte[f.Length];
            f.ReadExactly(bytes);
            return bytes;
        }

        public void Dispose()
        {
            _runner.Dispose();
            _disk?.Dispose();
        }
    }
}
