using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// </summary>
internal sealed class ExitDispatcher(ExitStatistics stats, PortBus ports, MmioBus mmio, HypercallTable hypercalls)
    : IExitHandler, IInterruptObserver
{
    // Fields rather than property chains: this is the path every port access takes.
    private readonly ExitStatistics _stats = stats;
    private readonly PortBus _ports = ports;
    private readonly MmioBus _mmio = mmio;

    /// <summary>The trace destination; null (the default) costs one test per exit.</summary>
    public Tracer? Tracer { get; set; }

    /// <summary>The accounting by guest layer (--layers); null (the default) costs one test per exit.</summary>
    public GuestLayers? Layers { get; set; }

    /// <summary>The debugger, whose break-exits are checked after each exit; null costs one test.</summary>
    public MachineDebugger? Debugger { get; set; }

    public void HandleExit(Processor cpu, ref VmExit exit)
    {
        var layers = Layers;
        bool layersTimed = layers is { TimesExits: true };
        bool timed = _stats.TimingEnabled | layersTimed;
        long start = timed ? Stopwatch.GetTimestamp() : 0;
        Tracer?.BeginExit();
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

        if (timed | Tracer is not null)
            Observe(cpu, ref exit, range, timed ? Stopwatch.GetTimestamp() - start : 0);
        if (Debugger is { HasExitBreaks: true } debugger)
            debugger.CheckExit(cpu, exit, range);
        layers?.ExitHandled(exit.Reason, layersTimed ? Stopwatch.GetTimestamp() - start : 0);
    }

    private void Observe(Processor cpu, ref VmExit exit, DeviceRange? range, long ticks)
    {
        if (_stats.TimingEnabled)
            _stats.AddTime(exit.Reason, range?.Device.Name, ticks);
        Tracer?.Exit(cpu, exit, range, ticks);
    }

    // The value travels as its little-endian bytes (the span length is the access width).
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DeviceRange? Access(DeviceBus bus, ref VmExit exit)
    {
        uint value = exit.IsWrite ? exit.Value : 0;
        if (!BitConverter.IsLittleEndian)
            value = BinaryPrimitives.ReverseEndianness(value);
        var bytes = MemoryMarshal.CreateSpan(ref Unsafe.As<uint, byte>(ref value), exit.Size);
        DeviceRange? range;
        if (exit.IsWrite)
        {
            bus.TryWrite(exit.Address, bytes, out range);
        }
        else
        {
            bus.TryRead(exit.Address, bytes, out range);
            exit.Value = BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
        }
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
        Tracer?.Interrupt(cpu, vector, kind);
}
