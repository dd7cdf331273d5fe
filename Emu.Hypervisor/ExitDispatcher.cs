using System.Diagnostics;
using System.Runtime.CompilerServices;
using Emu.Cpu;
using Emu.Hypervisor.Debugging;
using Emu.Hypervisor.Firmware;
using Emu.Hypervisor.Statistics;
using Emu.Hypervisor.Tracing;
using Emu.Io.Bus;

namespace Emu.Hypervisor;

/// <summary>
/// The VMM's side of every exit: dispatches port and MMIO accesses
/// to the bus that owns the address, runs hypercalls, counts and traces. An IN's or MMIO read's
/// value goes back in <see cref="VmExit.Value"/>, which the CPU puts in AL/AX/EAX or the operand.
/// A port or MMIO access nobody observes (no trace, no layer accounting, no debugger, no host timing) takes a lean
/// path: counted and dispatched, without a <see cref="VmExit"/> or a look at each observer; whether anyone observes
/// is settled when one is attached or detached, not on every exit.
/// </summary>
internal sealed class ExitDispatcher(Processor cpu, ExitStatistics stats, PortBus ports, MmioBus mmio, HypercallTable hypercalls)
    : ExitHandler, IInterruptObserver
{
    /// <summary>JIT-compiles the exit path on the calling thread ([AggressiveOptimization]: compiled fully at the first
    /// call, never precompiled), so that the first machine's first port access does not (MachineWarmUp).</summary>
    public static void PrepareFirstUse()
    {
        RuntimeHelpers.PrepareMethod(typeof(ExitDispatcher).GetMethod(nameof(Read))!.MethodHandle);
        RuntimeHelpers.PrepareMethod(typeof(ExitDispatcher).GetMethod(nameof(Write))!.MethodHandle);
    }

    // Fields rather than property chains: this is the path every port access takes.
    private readonly Processor _cpu = cpu;
    private readonly ExitStatistics _stats = stats;
    private readonly PortBus _ports = ports;
    private readonly MmioBus _mmio = mmio;
    private Tracer? _tracer;
    private GuestLayers? _layers;
    private MachineDebugger? _debugger;
    // True when a tracer, the layer accounting or a debugger is attached: every exit then takes HandleExit's full path.
    private bool _observed;

    /// <summary>The trace destination; null (the default) costs nothing per exit or interrupt.</summary>
    public Tracer? Tracer
    {
        get => _tracer;
        set
        {
            _tracer = value;
            _cpu.InterruptObserver = value is null ? null : this; // interrupts are traced, not otherwise observed
            Observers();
        }
    }

    /// <summary>The accounting by guest layer (--layers); null (the default) costs nothing per exit.</summary>
    public GuestLayers? Layers
    {
        get => _layers;
        set
        {
            _layers = value;
            Observers();
        }
    }

    /// <summary>The debugger, whose break-exits are checked after each exit; null costs nothing per exit.</summary>
    public MachineDebugger? Debugger
    {
        get => _debugger;
        set
        {
            _debugger = value;
            Observers();
        }
    }

    private void Observers() => _observed = _tracer is not null || _layers is not null || _debugger is not null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override uint Read(Processor cpu, ExitReason reason, uint address, int size)
    {
        if (_observed | _stats.TimingEnabled)
            return ObservedAccess(cpu, reason, write: false, address, size, 0);
        _stats.Count(reason);
        return reason == ExitReason.Io ? _ports.Read(address, size) : ReadMmio(address, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Write(Processor cpu, ExitReason reason, uint address, int size, uint value)
    {
        if (_observed | _stats.TimingEnabled)
        {
            ObservedAccess(cpu, reason, write: true, address, size, value);
            return;
        }
        _stats.Count(reason);
        if (reason == ExitReason.Io)
            _ports.Write(address, size, value);
        else
            WriteMmio(address, size, value);
    }

    // The MMIO bus's path in a method of its own, so that the JIT's inlining budget for Read and Write goes to the
    // port bus's (both are inlined whole otherwise, and the budget ran out before the small helpers on the port path).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint ReadMmio(uint address, int size) => _mmio.Read(address, size);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteMmio(uint address, int size, uint value) => _mmio.Write(address, size, value);

    // Not inlined: the lean path then carries no VmExit to build.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint ObservedAccess(Processor cpu, ExitReason reason, bool write, uint address, int size, uint value)
    {
        var exit = VmExit.Access(cpu, reason, write, address, size, value);
        HandleExit(cpu, ref exit);
        return exit.Value;
    }

    public override void HandleExit(Processor cpu, ref VmExit exit)
    {
        var layers = _layers;
        bool layersTimed = layers is { TimesExits: true };
        bool timed = _stats.TimingEnabled | layersTimed;
        long start = timed ? Stopwatch.GetTimestamp() : 0;
        _tracer?.BeginExit();
        if (layersTimed)
            layers!.ExitStart = start;

        DeviceRange? range = null;
        switch (exit.Reason)
        {
            case ExitReason.Io:
                range = Access(_ports, ref exit);
                break;
            case ExitReason.Mmio:
                range = Access(_mmio, ref exit);
                break;
            case ExitReason.Hypercall:
                Hypercall(cpu, ref exit);
                break;
        }
        // With --layers, what the device (or the firmware service) took is device time, the rest of the exit the VMM's.
        if (layersTimed)
            layers!.DeviceTicks += Stopwatch.GetTimestamp() - start;
        _stats.Count(exit.Reason);

        if (timed | _tracer is not null)
            Observe(cpu, ref exit, range, timed ? Stopwatch.GetTimestamp() - start : 0);
        if (_debugger is { HasExitBreaks: true } debugger)
            debugger.CheckExit(cpu, exit, range);
        layers?.ExitHandled(exit.Reason, layersTimed ? Stopwatch.GetTimestamp() - start : 0);
    }

    private void Observe(Processor cpu, ref VmExit exit, DeviceRange? range, long ticks)
    {
        if (_stats.TimingEnabled)
            _stats.AddTime(exit.Reason, range?.Device.Name, ticks);
        _tracer?.Exit(cpu, exit, range, ticks);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DeviceRange? Access(DeviceBus bus, ref VmExit exit)
    {
        if (exit.IsWrite)
            return bus.Write(exit.Address, exit.Size, exit.Value);
        exit.Value = bus.Read(exit.Address, exit.Size, out var range);
        return range;
    }

    // VMCALL with AX = service number. Unknown services return AX = FFFFh and set nothing else,
    // so a guest can probe for a service without crashing.
    private void Hypercall(Processor cpu, ref VmExit exit)
    {
        if (hypercalls.TryGet((ushort)exit.Address, out var service))
            service();
        else
            cpu.AX = 0xFFFF;
    }

    public void InterruptDelivered(Processor cpu, byte vector, InterruptKind kind) =>
        _tracer?.Interrupt(cpu, vector, kind);
}
