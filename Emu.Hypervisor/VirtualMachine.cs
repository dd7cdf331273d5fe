using Emu.Cpu;
using Emu.Hypervisor.Debugging;
using Emu.Hypervisor.Firmware;
using Emu.Hypervisor.Remote;
using Emu.Hypervisor.Snapshots;
using Emu.Hypervisor.Statistics;
using Emu.Hypervisor.Tracing;
using Emu.Hypervisor.Virtio;
using Emu.Io.Ata;
using Emu.Io.Bus;
using Emu.Io.Devices;
using Emu.Io.Pci;
using Emu.Io.Pic;
using Emu.Io.Platform;
using Emu.Io.Serial;
using Emu.Io.Storage;
using Emu.Io.Timing;
using Emu.Io.Video;
using Emu.Io.Virtio;
using Emu.Memory;

namespace Emu.Hypervisor;

/// <summary>
/// A PC assembled from a <see cref="MachineConfig"/>, and the loop that runs it. The constructor builds the machine
/// once, top to bottom: guest memory, the CPU, the PC platform, then every other device from its declaration through
/// the <see cref="DeviceManager"/>, the exit dispatcher that joins the CPU to the buses, and the firmware. Only the
/// hypervisor knows both the CPU and the devices; they know nothing of each other. <see cref="Run"/> is the loop;
/// what a halt means (<see cref="HaltWait"/>), debugging (<see cref="DebuggedRun"/>, with reverse execution) and
/// snapshots (<see cref="Snapshotter"/>) are collaborators built here.
/// </summary>
public sealed class VirtualMachine : IDisposable
{
    public const int MaxHardDisks = AtaController.MaxDrives;

    private readonly ExitDispatcher _dispatcher;
    private readonly List<IDisposable> _owned = [];
    private readonly VirtualTime _time;
    private readonly HaltWait _halt;
    private readonly AtaController? _ata; // null when the IDE controller runs in a device process
    // The assigned VF of the device process (its IOMMU programmed, its interrupts posted here); null without one.
    private readonly Assigned.AssignedFunction? _assigned;
    private DebuggedRun? _debugged; // null without a debugger

    public VirtualMachine(MachineConfig config)
    {
        Config = config;
        Snapshots = new Snapshotter(this);
        Memory = MachineDevices.CreateMemory(config);
        try
        {
            MapMemory(config);
            Cpu = new Processor(Memory, config.Cpu);
            var clock = new VirtualClock();
            Platform = new PcPlatform(Memory, clock, config.RtcStart, SetInterruptLine, () => GuestReset("port 92h or the 8042"));
            _time = new VirtualTime(Cpu, config.NanosecondsPerInstruction, clock, Platform.TimedDevices);
            Cpu.InterruptController = new PicAcknowledge(Pic);
            Platform.Cmos.SetMemorySize(Math.Clamp(config.MemoryKiB, 16, 640), 64);
            ConnectStreams(config);

            // PCI configuration mechanism #1 (0xCF8/0xCFC) and the PIIX reset control register (0xCF9).
            var pci = new PciConfigPorts(() => GuestReset("port CF9h"));
            Devices = new DeviceManager(Ports, Mmio, Memory, pci, Platform.TimedDevices,
                device => new VirtioPoller(Cpu, config.NanosecondsPerInstruction, device.Poll!, device.PollInterval));
            // The VGA colour DAC (ports 3C6-3C9), whose palette mode 13h pixels index.
            var dac = new VgaDac();
            Display = new Display(Memory, dac);
            Devices.Add(DeviceDeclaration.AtPorts(dac, VgaDac.BasePort, VgaDac.Length));
            Devices.Add(pci.Declaration);
            DeviceProcess = MachineDevices.DeviceProcess(config, Memory, Pic, Cpu.RequestStop, _owned);
            VirtioTransport = MachineDevices.VirtioDisk(config, Memory, Pic, Snapshots.DiskJournal, _owned);
            if (DeviceProcess?.Kind != Emu.Io.Remote.RemoteDeviceKind.Ata)
                _ata = MachineDevices.Ata(config, Memory, Pic, Snapshots.DiskJournal, _owned);
            foreach (var device in new[] { VirtioTransport?.Declaration, _ata?.Declaration, DeviceProcess?.Declaration })
            {
                if (device is not null)
                    Devices.Add(device);
            }

            _dispatcher = new ExitDispatcher(Cpu, Stats, Ports, Mmio, Hypercalls);
            Cpu.ExitHandler = _dispatcher;
            Firmware = InitFirmware(config);
            if (config.Hypercalls is { } extra)
            {
                foreach (var (number, service) in extra)
                    Hypercalls.Add(number, () => service(this));
            }
            // The page kinds are final now: the device process checks its DMA against the same map.
            DeviceProcess?.SendMemoryMap(Memory.PageKinds);
            if (DeviceProcess?.Kind == Emu.Io.Remote.RemoteDeviceKind.Assigned)
            {
                _assigned = Assigned.AssignedFunction.SetUp(DeviceProcess, Memory, Cpu, Cpu.InterruptController);
                _owned.Add(_assigned);
                Cpu.InterruptController = _assigned.Posted;
            }
            _halt = new HaltWait(Cpu, _time, Platform, Devices, config, Firmware, _assigned);
            if (DeviceProcess?.Failure is { } failure)
                throw new DeviceProcessException(new DeviceProcessError(DeviceProcessFault.FailedWhileBuilding, failure.SocketPath, Detail: failure.ToString(), Protocol: failure.Fault));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public MachineConfig Config { get; }
    public GuestMemory Memory { get; }
    public Processor Cpu { get; }
    /// <summary>The standard PC devices on their usual ports and IRQs.</summary>
    public PcPlatform Platform { get; }
    public PortBus Ports => Platform.Ports;
    public MmioBus Mmio => Platform.Mmio;
    private PicPair Pic => Platform.Pic;
    public Uart16550 Com1 => Platform.Com1;
    public ExitStatistics Stats { get; } = new();

    /// <summary>Every device beyond the platform, placed from its declaration: the VGA DAC, the PCI host, the IDE
    /// controller, the virtio disk, the device of a device process; a tool may add its own before the run.</summary>
    public DeviceManager Devices { get; }

    /// <summary>The screen: its mode, its text, a PNG of it.</summary>
    public Display Display { get; }

    /// <summary>The IDE controller (both channels, bus master, PCI function 00:01.1) when it runs in this process.</summary>
    public AtaController Ata => _ata ?? throw new InvalidOperationException("the ATA controller of this machine runs in a device process");

    /// <summary>The virtio-mmio transport of the virtio disk when it runs in this process; null otherwise.</summary>
    public VirtioMmioTransport? VirtioTransport { get; }

    /// <summary>The block device behind <see cref="VirtioTransport"/>.</summary>
    public VirtioBlockDevice? VirtioBlock => VirtioTransport?.Device as VirtioBlockDevice;

    /// <summary>The connection to the device process; null when every device is in-process.</summary>
    public DeviceProcessClient? DeviceProcess { get; }

    // The 8259 pair's INTR output: straight to the CPU, or merged with posted vectors when a VF posts them.
    private void SetInterruptLine(bool level)
    {
        if (_assigned is { } assigned)
            assigned.Posted.SetPicLine(level);
        else
            Cpu.SetInterruptLine(level);
    }

    /// <summary>The BIOS's VMM services; null when the machine starts bare (no firmware image).</summary>
    public FirmwareServices? Firmware { get; }

    /// <summary>The VMCALL services by number (AX), fixed once the machine is built.</summary>
    public HypercallTable Hypercalls { get; } = new();

    /// <summary>Whole-machine snapshots: taken and put back in memory, saved to and loaded from files.</summary>
    public Snapshotter Snapshots { get; }

    /// <summary>The host backend of hard disk <paramref name="index"/> (0-3), or null. With the IDE controller in a
    /// device process, a stand-in that knows the disk's size but reaches no data.</summary>
    public IBlockBackend? Disk(int index) => Devices.Disk(index);

    /// <summary>The trace destination; null (the default) costs nothing.</summary>
    public Tracer? Tracer
    {
        get => _dispatcher.Tracer;
        set
        {
            _dispatcher.Tracer = value;
            ObserveDevices();
        }
    }

    /// <summary>Accounting by guest layer (--layers, and what a trace's layer slices come from); null (the default)
    /// costs nothing. Set before the run: the guest OS asks once, at boot, whether anyone listens to its Layer hypercalls.</summary>
    public GuestLayers? Layers
    {
        get => _dispatcher.Layers;
        set
        {
            _dispatcher.Layers = value;
            _time.Layers = value;
            value?.Attach(Cpu, Stats);
            ObserveDevices(); // the backends report their host time
        }
    }

    /// <summary>The debugging state (breakpoints, watchpoints, break-exits, gdb); null, the default, costs nothing.
    /// Set before <see cref="Run"/>.</summary>
    public MachineDebugger? Debugger
    {
        get => _dispatcher.Debugger;
        set
        {
            _dispatcher.Debugger = value;
            _debugged = value is null ? null
                : new DebuggedRun(value, Cpu, new ReverseExecution(value, Cpu, _time, _halt, Platform, Snapshots), UpdateStatistics);
        }
    }

    /// <summary>Points the IRQ lines, the devices' events and their backends' IO at whoever listens now (the trace,
    /// the layer accounting), or detaches them: an unobserved machine builds no event text and reads no clock.</summary>
    internal void ObserveDevices()
    {
        var observer = DeviceObserver.For(Cpu, Tracer, Layers);
        Pic.LineChanged = observer is { Events: true } ? (irq, level) => observer.Note("irq", $"irq{irq} {(level ? "raised" : "lowered")}") : null;
        Devices.AttachTrace(observer);
        if (_assigned is { } assigned)
            assigned.Posted.Trace = observer is { Events: true } ? observer : null;
    }

    /// <summary>Set by the isa-debug-exit device: the process exit status the guest asked for.</summary>
    internal int? DebugExitStatus { get; private set; }

    /// <summary>Virtual time: retired instructions times the configured period, plus halted time.</summary>
    public long NowNs => _time.NowNs;

    private void MapMemory(MachineConfig config)
    {
        int kib = Math.Clamp(config.MemoryKiB, 16, 640);
        uint ramEnd = (uint)kib * 1024 & ~(uint)(GuestMemory.PageSize - 1);
        // Conventional RAM, then a hole up to the video memory at A0000 (plain RAM here, as the
        // text and mode 13h windows are rendered from memory), option-ROM space and the BIOS.
        if (ramEnd < 0xA_0000)
            Memory.Map(ramEnd, 0xA_0000 - ramEnd, PageKind.Unmapped);
    }

    /// <summary>Where the debug console, the debug-exit port, COM1 and the keyboard meet the configuration.</summary>
    private void ConnectStreams(MachineConfig config)
    {
        if (config.DebugConsoleOutput is { } console)
            Platform.DebugConsole.Output = b => console.WriteByte(b);
        Platform.DebugExit.ExitRequested = status =>
        {
            DebugExitStatus = status;
            Cpu.RequestStop();
        };
        if (config.SerialOutput is { } serialOut)
            Com1.Output = b => serialOut.WriteByte(b);
        if (config.SerialInput is { Length: > 0 } serialIn)
            Com1.EnqueueInput(serialIn);
        if (config.Keys is { Length: > 0 } keys)
            Platform.Keyboard.EnqueueText(keys);
    }

    /// <summary>Maps the firmware image as ROM at F0000, registers its hypercalls and resets the CPU so that it
    /// starts at FFFF:0000; null without an image.</summary>
    private FirmwareServices? InitFirmware(MachineConfig config)
    {
        if (config.Firmware is not { } image)
            return null;
        if (image.Length != FirmwareServices.RomSize)
            throw new ArgumentException($"a firmware image must be exactly {FirmwareServices.RomSize} bytes, not {image.Length}");
        Memory.Load(FirmwareServices.RomBase, image);
        Memory.Map(FirmwareServices.RomBase, FirmwareServices.RomSize, PageKind.Rom);
        var floppy = config.Floppy is { } floppyImage ? new JournaledBackend(floppyImage, Snapshots.DiskJournal) : null;
        var hardDisks = new List<IBlockBackend>(); // a loop: Enumerable.Range's iterators were JIT-compiled at each start
        for (int i = 0; i < MaxHardDisks; i++)
        {
            if (Disk(i) is { } disk)
                hardDisks.Add(disk);
        }
        var firmware = new FirmwareServices(Cpu, Memory, config, Stats, _dispatcher, BiosDrive.All(floppy, hardDisks));
        firmware.Register(Hypercalls);
        Cpu.Reset();
        return firmware;
    }

    /// <summary>
    /// Runs the guest until it halts for good, exits through the debug-exit port, shuts down, or a
    /// limit ends the run. The CPU runs in slices that end at the next timer deadline (or earlier, when
    /// the guest reprograms a timer during the slice), so timer interrupts arrive at the same retired
    /// instruction on every run.
    /// </summary>
    public RunOutcome Run(RunLimits? limits = null)
    {
        limits ??= new RunLimits();
        long instructionBudgetEnd = limits.MaxInstructions is long max ? Cpu.Retired + max : long.MaxValue;
        var wallClock = System.Diagnostics.Stopwatch.StartNew();
        const long SliceInstructions = 1_000_000; // how often host-side limits are checked
        Layers?.RunStarted();

        try
        {
            if (_debugged is { Debugger.StopAtStart: true } waiting
                && waiting.Stopped(new DebugStop(DebugStopKind.Attached, "waiting for the debugger before the first instruction"), limits.Cancellation) is { } killed)
                return Finish(killed);
            while (true)
            {
                long slice = _time.SliceLength(Math.Min(SliceInstructions, instructionBudgetEnd - Cpu.Retired));
                if (slice <= 0)
                    return Finish(RunEnd.InstructionLimit, RunOutcome.LimitExitCode, $"stopped after {Cpu.Retired:N0} instructions (--max-instructions)");

                _time.BeginSlice(slice);
                StopReason stop = _debugged is { } debugged ? debugged.RunSlice(slice, Tracer)
                    : Tracer is { TraceInstructions: true } ? SteppedRun.Run(Cpu, slice, null, Tracer)
                    : Cpu.Run(slice);
                _time.EndSlice();

                switch (stop)
                {
                    case StopReason.StopRequested when DebugExitStatus is int status:
                        return Finish(RunEnd.DebugExit, status, $"guest exited: it wrote {(status - 1) / 2} to isa-debug-exit (port F4h), so the status is ({(status - 1) / 2} << 1) | 1 = {status}");
                    case StopReason.StopRequested when _debugged?.Debugger.TakeStop() is { } debugStop:
                        wallClock.Stop(); // time spent stopped in the debugger does not count against --timeout
                        var ended = _debugged.Stopped(debugStop, limits.Cancellation);
                        wallClock.Start();
                        if (ended is not null)
                            return Finish(ended);
                        break;
                    case StopReason.StopRequested when FirmwareOutcome() is { } stopped:
                        return stopped;
                    case StopReason.StopRequested when DeviceProcessOutcome() is { } failed:
                        return failed;
                    case StopReason.Shutdown:
                        return Finish(RunEnd.Shutdown, RunOutcome.ShutdownExitCode, $"guest shut down: {Cpu.StopMessage}");
                    case StopReason.InvalidState:
                        return Finish(RunEnd.InvalidState, RunOutcome.GuestStopExitCode, Cpu.StopMessage ?? "the guest reached a state the machine cannot emulate");
                    case StopReason.Halt:
                        if (_halt.Pass(limits, wallClock) is { } halted)
                            return Finish(halted);
                        break;
                }

                if (DeviceProcess is { } remote && !remote.CheckAlive() && DeviceProcessOutcome() is { } gone)
                    return gone;
                if (limits.Host is { } host)
                {
                    host.Poll();
                    if (host.QuitRequested)
                        return Finish(RunEnd.Quit, 0, $"quit from the console at {Cpu.CS:X4}:{Cpu.IP:X4} after {Cpu.Retired:N0} instructions");
                    if (host.TakeResetRequest())
                        Reset();
                }
                if (Cpu.Retired >= instructionBudgetEnd)
                    return Finish(RunEnd.InstructionLimit, RunOutcome.LimitExitCode, $"stopped after {Cpu.Retired:N0} instructions (--max-instructions)");
                if (limits.Timeout is TimeSpan timeout && wallClock.Elapsed >= timeout)
                    return Finish(RunEnd.Timeout, RunOutcome.LimitExitCode, $"stopped after {timeout.TotalSeconds:0.###} s of host time (--timeout) at {Cpu.CS:X4}:{Cpu.IP:X4}");
                if (limits.Cancellation.IsCancellationRequested)
                    return Finish(RunEnd.Cancelled, RunOutcome.CancelledExitCode, $"interrupted at {Cpu.CS:X4}:{Cpu.IP:X4} after {Cpu.Retired:N0} instructions");
            }
        }
        finally
        {
            Layers?.RunEnded();
            UpdateStatistics();
        }
    }

    /// <summary>
    /// The reset button: the CPU goes to its reset state (FFFF:0000) and every device takes its hardware reset, while
    /// RAM keeps what it holds, as on a PC; the firmware then runs POST again and boots. Virtual time goes on.
    /// </summary>
    private void Reset()
    {
        Cpu.ResetKeepingClock();
        Platform.Reset();
        Devices.Reset();
        Firmware?.Reset();
    }

    /// <summary>A reset source fired (8042, port 92h, CF9h): the devices take their reset, and the run ends, since a
    /// reboot the guest asks for starts a new machine (status 3, as before a reset button existed).</summary>
    private void GuestReset(string source)
    {
        Devices.Reset();
        Cpu.StopForReset(source);
    }

    /// <summary>The run's end when the firmware stopped it (nothing to boot), else null.</summary>
    private RunOutcome? FirmwareOutcome() =>
        Firmware?.StopReason is { } reason ? Finish(RunEnd.FirmwareStop, RunOutcome.GuestStopExitCode, reason) : null;

    /// <summary>The run's end when the device process failed, else null.</summary>
    private RunOutcome? DeviceProcessOutcome() =>
        DeviceProcess?.Failure is { } failure
            ? Finish(RunEnd.DeviceFailure, 1, $"{failure}; guest stopped at {Cpu.CS:X4}:{Cpu.IP:X4}")
            : null;

    /// <summary>Brings <see cref="Stats"/> up to date (at the end of a run, or when a debugger asks).</summary>
    public void UpdateStatistics()
    {
        Stats.InstructionsRetired = Cpu.Retired;
        Stats.InterruptsDelivered = Cpu.InterruptsDelivered;
        Stats.CompiledCode = Cpu.Compiled;
        Stats.UnclaimedPortAccesses = Ports.UnclaimedReads + Ports.UnclaimedWrites;
        if (DeviceProcess is { } remote)
            Stats.DeviceProcess = new DeviceProcessTotals(remote.SocketPath, remote.Welcome.ProcessId, remote.Requests, remote.RoundTripTicks, remote.DeviceNs);
        if (_assigned is { } assigned)
            Stats.Assigned = assigned.Totals(DeviceProcess!.Welcome.Regions[0].Name);
        Stats.UnclaimedMmioAccesses = Mmio.UnclaimedReads + Mmio.UnclaimedWrites;
        var ranges = new List<ExitStatistics.RangeExits>(Ports.Ranges.Count + Mmio.Ranges.Count);
        foreach (var r in Ports.Ranges)
            ranges.Add(new(Mmio: false, r.Start, r.End, r.Device.Name, r.Reads + r.Writes));
        foreach (var r in Mmio.Ranges)
            ranges.Add(new(Mmio: true, r.Start, r.End, r.Device.Name, r.Reads + r.Writes));
        Stats.SetRangeExits(ranges);
    }

    private RunOutcome Finish(RunEnd end, int exitCode, string message) => Finish(new RunOutcome(end, exitCode, message));

    /// <summary>The run ends: the trace and the debugger's front end hear how.</summary>
    private RunOutcome Finish(RunOutcome outcome)
    {
        Tracer?.Stop(Cpu, outcome);
        Debugger?.FrontEnd?.RunEnded(outcome);
        return outcome;
    }

    public void Dispose()
    {
        foreach (var d in _owned)
            d.Dispose();
        _owned.Clear();
        _dispatcher?.Tracer?.Dispose(); // null when building the machine failed
        Memory.Store.Dispose(); // last: nothing reads guest memory after the devices are gone
    }

    private sealed class PicAcknowledge(PicPair pic) : IInterruptAcknowledge
    {
        public int Acknowledge() => pic.Acknowledge();
    }
}
