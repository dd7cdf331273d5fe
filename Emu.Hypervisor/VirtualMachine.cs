using Emu.Cpu;
using Emu.Hypervisor.Debugging;
using Emu.Hypervisor.Remote;
using Emu.Hypervisor.Statistics;
using Emu.Hypervisor.Tracing;
using Emu.Io.Bus;
using Emu.Io.Pic;
using Emu.Io.Platform;
using Emu.Io.Serial;
using Emu.Io.Timing;
using Emu.Io.Video;
using Emu.Memory;

namespace Emu.Hypervisor;

/// <summary>
/// A PC assembled from a <see cref="MachineConfig"/>: guest memory, a CPU, the port and MMIO buses
/// and the platform devices, joined by the exit dispatcher. Only the hypervisor knows both the CPU
/// and the devices; they know nothing of each other.
/// </summary>
public sealed partial class VirtualMachine : IDisposable
{
    private ExitDispatcher _dispatcher = null!;
    private readonly List<IDisposable> _owned = [];
    private long _idleNs; // virtual time spent halted, skipped over to the next timer deadline
    private long _sliceEndNs = long.MinValue; // when the running CPU slice ends (virtual ns); MinValue between slices

    public VirtualMachine(MachineConfig config)
    {
        Config = config;
        Memory = CreateMemory(config); // VirtualMachine.Remote.cs
        try
        {
            Build(config);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Build(MachineConfig config)
    {
        MapMemory(config);
        Cpu = new Processor(Memory, config.Cpu);
        // Devices that read the time (counter reads, the RTC) get it from the retired-instruction
        // count at that moment; exits that don't read it cost nothing.
        Clock = new VirtualClock { Source = () => NowNs };

        Platform = new PcPlatform(Memory, Clock, config.RtcStart);
        Clock.DeadlineMoved = EndSliceBeforeNewDeadline;
        Pic.IntrChanged = Cpu.SetInterruptLine;
        Cpu.InterruptController = new PicAcknowledge(Pic);
        Platform.ResetRequested = () => ResetMachine("port 92h or the 8042");
        Platform.Cmos.SetMemorySize(Math.Clamp(config.MemoryKiB, 16, 640), 64);

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
        VgaDac = new VgaDac();
        Display = new Display(Memory, VgaDac);
        Ports.Register(VgaDac.BasePort, VgaDac.Length, VgaDac);
        ConnectDeviceProcess(config); // VirtualMachine.Remote.cs
        AttachVirtio(config); // VirtualMachine.Virtio.cs

        AttachStorage(config);
        PlaceRemoteRegions();
        _dispatcher = new ExitDispatcher(this);
        Cpu.ExitHandler = _dispatcher;
        Cpu.InterruptObserver = _dispatcher;
        InitFirmware();
        // The page kinds are final now: the device process checks its DMA against the same map.
        DeviceProcess?.SendMemoryMap(Memory.PageKinds);
        if (DeviceProcess?.Failure is { } failure)
            throw new DeviceProcessException(failure);
    }

    public MachineConfig Config { get; }
    public GuestMemory Memory { get; }
    public Processor Cpu { get; private set; } = null!;
    public VirtualClock Clock { get; private set; } = null!;
    /// <summary>The standard PC devices on their usual ports and IRQs.</summary>
    public PcPlatform Platform { get; private set; } = null!;
    public PortBus Ports => Platform.Ports;
    public MmioBus Mmio => Platform.Mmio;
    public PicPair Pic => Platform.Pic;
    public Uart16550 Com1 => Platform.Com1;
    public ExitStatistics Stats { get; } = new();

    /// <summary>The trace destination; null (the default) costs nothing.</summary>
    public Tracer? Tracer
    {
        get => _tracer;
        set
        {
            _tracer = value;
            // Device events: IRQ lines as devices move them.
            Pic.LineChanged = value is null ? null : (irq, level) => value.Device(this, "irq", $"irq{irq} {(level ? "raised" : "lowered")}");
            ObserveDisks(); // VirtualMachine.Storage.cs
            TraceDeviceProcess(value); // VirtualMachine.Remote.cs
        }
    }

    private Tracer? _tracer;

    /// <summary>Accounting by guest layer (--layers, and what a trace's layer slices come from); null (the default)
    /// costs nothing. Set before the run: the guest OS asks once, at boot, whether anyone listens to its Layer hypercalls.</summary>
    public GuestLayers? Layers
    {
        get => _layers;
        set
        {
            _layers = value;
            value?.Attach(Cpu, Stats);
            ObserveDisks(); // VirtualMachine.Storage.cs: the backends report their host time
        }
    }

    private GuestLayers? _layers;

    /// <summary>Handlers for VMCALL hypercalls by number (AX); the firmware uses them.</summary>
    public Dictionary<ushort, Action<VirtualMachine>> Hypercalls { get; } = [];

    /// <summary>Set by the isa-debug-exit device: the process exit status the guest asked for.</summary>
    internal int? DebugExitStatus { get; set; }

    /// <summary>Virtual time: retired instructions times the configured period, plus halted time.</summary>
    public long NowNs => Cpu.Retired * Config.NanosecondsPerInstruction + _idleNs;

    private const int PitIrq = 0, RtcIrq = Emu.Io.Cmos.CmosRtc.Irq;

    private void MapMemory(MachineConfig config)
    {
        int kib = Math.Clamp(config.MemoryKiB, 16, 640);
        uint ramEnd = (uint)kib * 1024 & ~(uint)(GuestMemory.PageSize - 1);
        // Conventional RAM, then a hole up to the video memory at A0000 (plain RAM here, as the
        // text and mode 13h windows are rendered from memory), option-ROM space and the BIOS.
        if (ramEnd < 0xA_0000)
            Memory.Map(ramEnd, 0xA_0000 - ramEnd, PageKind.Unmapped);
    }

    /// <summary>The VGA colour DAC (ports 3C6-3C9), whose palette mode 13h pixels index.</summary>
    public VgaDac VgaDac { get; private set; } = null!;

    /// <summary>The screen: its mode, its text, a PNG of it.</summary>
    public Display Display { get; private set; } = null!;

    /// <summary>Registers a device owned by the machine (disposed with it).</summary>
    internal void Own(IDisposable resource) => _owned.Add(resource);

    /// <summary>Places a device on the MMIO bus and marks its pages so CPU accesses exit.</summary>
    public DeviceRange MapMmio(uint start, uint length, IIoDevice device)
    {
        var range = Mmio.Register(start, length, device);
        uint first = start & ~(uint)(GuestMemory.PageSize - 1);
        uint end = (start + length + GuestMemory.PageSize - 1) & ~(uint)(GuestMemory.PageSize - 1);
        Memory.Map(first, end - first, PageKind.Mmio);
        return range;
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
            if (Debugger is { StopAtStart: true } waiting
                && DebugStopped(waiting, new DebugStop(DebugStopKind.Attached, "waiting for the debugger before the first instruction"), limits.Cancellation) is { } killed)
                return killed;
            while (true)
            {
                long slice = Math.Min(SliceInstructions, instructionBudgetEnd - Cpu.Retired);
                long deadline = Platform.TimedDevices.NextDeadlineNs;
                if (deadline != long.MaxValue)
                {
                    long untilDeadline = (deadline - NowNs + Config.NanosecondsPerInstruction - 1) / Config.NanosecondsPerInstruction;
                    slice = Math.Min(slice, Math.Max(1, untilDeadline));
                }
                if (slice <= 0)
                    return Finish(RunEnd.InstructionLimit, RunOutcome.LimitExitCode, $"stopped after {Cpu.Retired:N0} instructions (--max-instructions)");

                _sliceEndNs = NowNs + slice * Config.NanosecondsPerInstruction;
                StopReason stop = Debugger is { } debugger ? RunDebugged(debugger, slice) // VirtualMachine.Debug.cs
                    : Tracer is { TraceInstructions: true } ? RunInstructions(slice, null)
                    : Cpu.Run(slice);
                _sliceEndNs = long.MinValue;
                SyncTime();

                switch (stop)
                {
                    case StopReason.StopRequested when DebugExitStatus is int status:
                        return Finish(RunEnd.DebugExit, status, $"guest exited: it wrote {(status - 1) / 2} to isa-debug-exit (port F4h), so the status is ({(status - 1) / 2} << 1) | 1 = {status}");
                    case StopReason.StopRequested when Debugger?.TakeStop() is { } debugStop:
                        wallClock.Stop(); // time spent stopped in the debugger does not count against --timeout
                        var ended = DebugStopped(Debugger, debugStop, limits.Cancellation);
                        wallClock.Start();
                        if (ended is not null)
                            return ended;
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
                        if (!WaitForInterrupt(limits, wallClock, out var halted)) // VirtualMachine.Halt.cs
                            return halted!;
                        break;
                }

                if (DeviceProcess is { } remote && !remote.CheckAlive() && DeviceProcessOutcome() is { } gone)
                    return gone;
                if (limits.Host is { } host)
                {
                    host.Poll();
                    if (host.QuitRequested)
                        return Finish(RunEnd.Quit, 0, $"quit from the console at {Cpu.CS:X4}:{Cpu.IP:X4} after {Cpu.Retired:N0} instructions");
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

    /// <summary>Brings <see cref="Stats"/> up to date (at the end of a run, or when a debugger asks).</summary>
    public void UpdateStatistics()
    {
        Stats.InstructionsRetired = Cpu.Retired;
        Stats.InterruptsDelivered = Cpu.InterruptsDelivered;
        Stats.UnclaimedPortAccesses = Ports.UnclaimedReads + Ports.UnclaimedWrites;
        if (DeviceProcess is { } remote)
            Stats.DeviceProcess = new DeviceProcessTotals(remote.SocketPath, remote.Welcome.ProcessId, remote.Requests, remote.RoundTripTicks, remote.DeviceNs);
        Stats.UnclaimedMmioAccesses = Mmio.UnclaimedReads + Mmio.UnclaimedWrites;
        foreach (var group in Ports.Ranges.Concat(Mmio.Ranges).GroupBy(r => r.Device.Name))
            Stats.SetDeviceExits(group.Key, group.Sum(r => r.Reads + r.Writes));
        foreach (var r in Ports.Ranges)
            Stats.SetRangeExits($"port {r.Start:X4}-{r.End - 1:X4}", r.Device.Name, r.Reads + r.Writes);
        foreach (var r in Mmio.Ranges)
            Stats.SetRangeExits($"mmio {r.Start:X5}-{r.End - 1:X5}", r.Device.Name, r.Reads + r.Writes);
    }

    // A device was reprogrammed while a slice ran (Clock.DeadlineMoved). When its new deadline comes before the
    // slice's end, the slice ends at the next instruction boundary and the loop above sizes the next one from
    // it: a guest that sets a fast timer gets its first tick when it is due, not when the old deadline was.
    private void EndSliceBeforeNewDeadline()
    {
        if (Platform.TimedDevices.NextDeadlineNs < _sliceEndNs)
            Cpu.EndSlice();
    }

    /// <summary>Brings the clock and the timed devices up to the current virtual time.</summary>
    internal void SyncTime()
    {
        Clock.NowNs = NowNs;
        if (Layers is { TimesExits: true } layers)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            Platform.TimedDevices.AdvanceTo(Clock.NowNs);
            long ticks = System.Diagnostics.Stopwatch.GetTimestamp() - start;
            layers.DeviceTicks += ticks;
            layers.TimedDeviceTicks += ticks;
            return;
        }
        Platform.TimedDevices.AdvanceTo(Clock.NowNs);
    }

    private RunOutcome Finish(RunEnd end, int exitCode, string message)
    {
        var outcome = new RunOutcome(end, exitCode, message);
        Tracer?.Stop(this, outcome);
        Debugger?.FrontEnd?.RunEnded(outcome);
        return outcome;
    }

    public void Dispose()
    {
        foreach (var d in _owned)
            d.Dispose();
        _owned.Clear();
        Tracer?.Dispose();
        Memory.Store.Dispose(); // last: nothing reads guest memory after the devices are gone
    }

    private sealed class PicAcknowledge(PicPair pic) : IInterruptAcknowledge
    {
        public int Acknowledge() => pic.Acknowledge();
    }
}
