using Emu.Io.Virtio;

namespace Emu.Hypervisor.Tests;

/// <summary>
/// A port or MMIO access nobody observes takes the dispatcher's lean path (no VmExit, no look at the observers); one
/// that is traced, timed or debugged takes the full one. What a user sees of the run must not depend on which.
/// </summary>
public class ExitPathTests
{
    // Runs a shipped guest to its end; returns what it printed and the --stats table.
    private static (string Console, string Stats) Run(string image, bool traced, IBlockBackend? virtioDisk = null)
    {
        var console = new MemoryStream();
        using var vm = new VirtualMachine(new MachineConfig { DebugConsoleOutput = console, VirtioDiskBackend = virtioDisk, VirtioNotify = VirtioNotifyMode.Exit });
        FlatBinaryLoader.Load(vm.Memory, File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, image)), SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        var trace = new StringWriter();
        if (traced)
            vm.Tracer = new Tracer(new TextTraceSink(trace, ownsWriter: false), TraceEvents.Default, hostTime: false);
        var outcome = vm.Run(new RunLimits { MaxInstructions = 5_000_000 });
        outcome.End.Should().NotBe(RunEnd.InstructionLimit, "the guest runs to its end");
        if (traced)
            trace.ToString().Should().Contain(" out ", "the traced run saw its exits");
        var table = new StringWriter();
        vm.Stats.WriteTable(table);
        return (System.Text.Encoding.Latin1.GetString(console.ToArray()), table.ToString());
    }

    [Fact]
    public void Every_exit_reason_has_its_counter()
    {
        // The statistics' arrays are ExitReasons.Count long: a reason added after the last one must move it.
        ExitReasons.Count.Should().Be(Enum.GetValues<ExitReason>().Length);
        ((int)Enum.GetValues<ExitReason>().Max()).Should().Be(ExitReasons.Count - 1);
    }

    [Fact]
    public void Port_exits_are_counted_alike_by_reason_device_and_range_whether_traced_or_not()
    {
        var plain = Run("demos/platform.bin", traced: false);
        var traced = Run("demos/platform.bin", traced: true);

        plain.Console.Should().EndWith("platform: done\n");
        plain.Stats.Should().Contain("pic-master").And.Contain("pit").And.Contain("port 0020-0021");
        plain.Should().Be(traced);
    }

    [Fact]
    public void Mmio_exits_are_counted_alike_whether_traced_or_not()
    {
        using var disk1 = new MemoryBackend(64 * 1024);
        using var disk2 = new MemoryBackend(64 * 1024);
        var plain = Run("tests/virtio/hostile-ring.bin", traced: false, disk1);
        var traced = Run("tests/virtio/hostile-ring.bin", traced: true, disk2);

        plain.Stats.Should().MatchRegex(@"mmio\s+[1-9]");
        plain.Should().Be(traced);
    }
}

[Collection(AllocationCounting.Name)]
public class ExitPathAllocationTests
{
    [Fact]
    public void A_guest_writing_a_port_in_a_loop_allocates_nothing_per_exit()
    {
        using var vm = new VirtualMachine(new MachineConfig());
        FlatBinaryLoader.Load(vm.Memory, File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "bench/io.bin")), SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);

        AllocationCounting.SteadyStateBytes(() => vm.Cpu.Run(100_000)).Should().Be(0);
        vm.Stats.CountOf(ExitReason.Io).Should().BeGreaterThan(150_000, "each OUT 80h of the rounds (8 in every 10 instructions) was an exit through the dispatcher");
    }
}
