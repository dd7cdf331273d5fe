using Emu.Tooling.Bench;
using Emu.Io.Virtio;

namespace Emu.Hypervisor.Tests;

/// <summary>The virtio disk in the machine: guest drivers through real MMIO exits, the poller, hostile rings.</summary>
public class VirtioMachineTests
{
    private static VirtualMachine Machine(byte[] program, IBlockBackend disk, VirtioNotifyMode mode, MemoryStream console, int pollInterval = 1000)
    {
        var vm = new VirtualMachine(new MachineConfig
        {
            DebugConsoleOutput = console,
            VirtioDiskBackend = disk,
            VirtioNotify = mode,
            VirtioPollInterval = pollInterval,
        });
        FlatBinaryLoader.Load(vm.Memory, program, SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        return vm;
    }

    private static string Text(MemoryStream s) => System.Text.Encoding.Latin1.GetString(s.ToArray());

    [Fact]
    public void A_machine_without_a_virtio_disk_has_no_window()
    {
        using var vm = new VirtualMachine(new MachineConfig());
        vm.VirtioTransport.Should().BeNull();
        vm.Mmio.Ranges.Should().BeEmpty();
    }

    [Fact]
    public void The_window_sits_at_D0000_on_IRQ_11()
    {
        using var disk = new MemoryBackend(64 * 1024);
        using var vm = new VirtualMachine(new MachineConfig { VirtioDiskBackend = disk });
        vm.VirtioTransport!.Irq.Number.Should().Be(11);
        vm.Mmio.Ranges.Should().ContainSingle(r => r.Start == 0xD_0000 && r.Length == 0x1000);
        vm.Memory.KindOf(0xD_0000).Should().Be(Emu.Memory.PageKind.Mmio);
        vm.Devices.Pollers.Should().BeEmpty("exit mode needs no poller");
    }

    [Fact]
    public void A_descriptor_loop_and_a_runaway_avail_index_leave_the_documented_state_and_the_device_recovers()
    {
        var console = new MemoryStream();
        using var disk = new MemoryBackend(64 * 1024);
        using var vm = Machine(File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "tests/virtio/hostile-ring.bin")), disk, VirtioNotifyMode.Exit, console);
        var trace = new StringWriter();
        vm.Tracer = new Tracer(new TextTraceSink(trace, ownsWriter: false), TraceEvents.Default, hostTime: false);

        var outcome = vm.Run(new RunLimits { MaxInstructions = 1_000_000 });

        Text(console).Should().Be(
            "hostile-ring: loop returned with len 0, device still ok\n" +
            "hostile-ring: runaway avail.idx set DEVICE_NEEDS_RESET and a config interrupt\n" +
            "hostile-ring: reset and read ok\n");
        outcome.End.Should().Be(RunEnd.DebugExit);
        outcome.ExitCode.Should().Be(33);
        var counters = vm.VirtioTransport!.Counters;
        counters.MalformedChains.Should().Be(1);
        counters.NeedsResetEvents.Should().Be(1);
        vm.VirtioTransport.DriverReady.Should().BeTrue("the driver reset the device and started it again");
        vm.VirtioBlock!.Counters.BytesRead.Should().Be(512);
        vm.Tracer = null;
        trace.ToString().Should().Contain("malformed chain (Loop)").And.Contain("DEVICE_NEEDS_RESET").And.Contain("virtio-blk-backend backend read offset=0 length=512");
    }

    [Fact]
    public void Poll_mode_serves_a_polling_driver_without_a_single_notify()
    {
        var console = new MemoryStream();
        var image = IoBench.GenerateImage(4 * 1024 * 1024, 7);
        using var disk = new MemoryBackend(image);
        using var vm = Machine(IoBench.LoadProgram(IoBenchPath.VirtioPoll), disk, VirtioNotifyMode.Poll, console);
        IoBench.WriteParameters(vm.Memory, IoBenchWorkload.Rand4k, disk.SectorCount, 7);

        var outcome = vm.Run(new RunLimits { MaxInstructions = 10_000_000 });

        outcome.ExitCode.Should().Be(33, Text(console));
        vm.VirtioTransport!.Counters.Notifications.Should().Be(0, "no QueueNotify write at all, set-up included");
        vm.Stats.CountOf(Emu.Cpu.ExitReason.Mmio).Should().BeLessThan(40, "only the initialisation touches the window");
        vm.VirtioBlock!.Counters.RequestsCompleted.Should().Be(256);
        vm.VirtioTransport.Counters.Polls.Should().BeGreaterThan(0);
    }

    [Fact]
    public void A_driver_halted_for_its_completion_interrupt_is_woken_by_the_poller_with_the_timers_masked()
    {
        var console = new MemoryStream();
        using var disk = new MemoryBackend(File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "tests/virtio/disk.img")));
        using var vm = Machine(File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "tests/virtio/poll-irq-halt.bin")), disk, VirtioNotifyMode.Poll, console);

        var outcome = vm.Run(new RunLimits { MaxInstructions = 1_000_000 });

        outcome.End.Should().Be(RunEnd.DebugExit, $"IRQ 11 from the poller can wake it, so it is no deadlock: {outcome.Message}");
        outcome.ExitCode.Should().Be(33, Text(console));
        Text(console).Should().Be("poll-irq-halt: woken by the completion interrupt\n");
        vm.VirtioTransport!.Counters.Notifications.Should().Be(0, "in poll mode the driver is asked not to notify");
    }

    [Fact]
    public void Polls_fall_on_the_same_instructions_on_every_run()
    {
        long[] Run()
        {
            var console = new MemoryStream();
            using var disk = new MemoryBackend(IoBench.GenerateImage(4 * 1024 * 1024, 7));
            using var vm = Machine(IoBench.LoadProgram(IoBenchPath.VirtioPoll), disk, VirtioNotifyMode.Poll, console, pollInterval: 333);
            IoBench.WriteParameters(vm.Memory, IoBenchWorkload.Seq1m, disk.SectorCount, 7);
            vm.Run(new RunLimits { MaxInstructions = 10_000_000 }).ExitCode.Should().Be(33);
            return [vm.Cpu.Retired, vm.VirtioTransport!.Counters.Polls, vm.VirtioTransport.Counters.PollsWithWork];
        }
        Run().Should().Equal(Run());
    }

    [Fact]
    public void A_guest_halted_for_good_in_poll_mode_is_a_deadlock_not_an_endless_idle_loop()
    {
        using var disk = new MemoryBackend(64 * 1024);
        using var vm = Machine([0xFB, 0xF4], disk, VirtioNotifyMode.Poll, new MemoryStream()); // sti; hlt
        var outcome = vm.Run(new RunLimits { Timeout = TimeSpan.FromSeconds(10) });
        outcome.End.Should().Be(RunEnd.Deadlock);
    }
}
