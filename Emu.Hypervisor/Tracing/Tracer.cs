using System.Diagnostics;
using Emu.Cpu;
using Emu.Hypervisor.Diagnostics;
using Emu.Io.Bus;
using Emu.Io.Devices;

namespace Emu.Hypervisor.Tracing;

/// <summary>Which events a trace records (--trace-events).</summary>
[Flags]
public enum TraceEvents
{
    None = 0,
    Exits = 1,
    Interrupts = 2,
    Devices = 4,
    Instructions = 8,
    Default = Exits | Interrupts | Devices,
}

/// <summary>
/// Turns what the machine does into <see cref="TraceEvent"/>s for a sink. Exists only while
/// tracing is on; the machine's hot paths test one reference for null and do nothing else.
/// </summary>
public sealed class Tracer(ITraceSink sink, TraceEvents events, bool hostTime, bool registers = false) : IDisposable
{
    private readonly Disassembler _disassembler = new();
    private long _sequence;
    // While an exit is being handled, the events it causes (IRQ lines, disk commands, backend reads) wait here:
    // the exit is written first, with its final value, then what it caused, in the order it happened.
    private bool _inExit;
    private readonly List<TraceEvent> _caused = [];

    public TraceEvents Events { get; } = events;
    public bool HostTime { get; } = hostTime;
    /// <summary>Instruction events carry the registers as they are before the instruction (--trace-registers).</summary>
    public bool Registers { get; } = registers;
    public bool TraceInstructions => (Events & TraceEvents.Instructions) != 0;

    public static bool TryParseEvents(string? text, out TraceEvents events, out string? bad)
    {
        events = TraceEvents.None;
        bad = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            events = TraceEvents.Default;
            return true;
        }
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "exits": events |= TraceEvents.Exits; break;
                case "interrupts": events |= TraceEvents.Interrupts; break;
                case "devices": events |= TraceEvents.Devices; break;
                case "instructions": events |= TraceEvents.Instructions; break;
                case "all": events |= TraceEvents.Default | TraceEvents.Instructions; break;
                default: bad = part; return false;
            }
        }
        return true;
    }

    /// <summary>An exit starts: the events it causes are held until <see cref="Exit"/> has written it.</summary>
    public void BeginExit() => _inExit = true;

    public void Exit(Processor cpu, in VmExit exit, DeviceRange? range, long hostTicks)
    {
        _inExit = false;
        if ((Events & TraceEvents.Exits) != 0)
            WriteExit(cpu, exit, range, hostTicks);
        foreach (var caused in _caused)
            Write(caused);
        _caused.Clear();
    }

    private void WriteExit(Processor cpu, in VmExit exit, DeviceRange? range, long hostTicks)
    {
        string? direction = exit.Reason switch
        {
            ExitReason.Io => exit.IsWrite ? "out" : "in",
            ExitReason.Mmio => exit.IsWrite ? "write" : "read",
            _ => null,
        };
        string? register = null;
        if (range is not null)
        {
            uint offset = exit.Address - range.Start + range.DeviceOffset;
            register = range.Device.RegisterName(offset, exit.IsWrite);
        }
        Write(new TraceEvent
        {
            VirtualTime = cpu.Retired,
            Kind = TraceEventKind.Exit,
            Cs = exit.Cs,
            Ip = (ushort)exit.Ip,
            Instruction = _disassembler.FormatAt(cpu.Memory, exit.Cs, (ushort)exit.Ip, out _),
            Reason = exit.Reason,
            Direction = direction,
            Address = exit.Reason is ExitReason.Io or ExitReason.Mmio ? exit.Address : null,
            Size = exit.Reason is ExitReason.Io or ExitReason.Mmio ? exit.Size : null,
            Value = exit.Reason is ExitReason.Io or ExitReason.Mmio ? exit.Value : null,
            Device = range?.Device.Name ?? (exit.Reason is ExitReason.Io or ExitReason.Mmio ? "unclaimed" : null),
            Register = register,
            Detail = exit.Reason == ExitReason.Hypercall ? $"hypercall {exit.Address:X4}h" : null,
            HostNanoseconds = HostTime ? Nanoseconds(hostTicks) : null,
        });
    }

    public void Interrupt(Processor cpu, byte vector, InterruptKind kind)
    {
        if ((Events & TraceEvents.Interrupts) == 0)
            return;
        Write(new TraceEvent
        {
            VirtualTime = cpu.Retired,
            Kind = TraceEventKind.Interrupt,
            Cs = cpu.CS,
            Ip = cpu.IP,
            Detail = $"{kind.ToString().ToLowerInvariant()} vector {vector:X2}h",
        });
    }

    /// <summary>The guest OS entered a layer, or left one (and the <paramref name="count"/> - 1 layers still active
    /// inside it). Always traced: the layers are the frame the other events sit in.</summary>
    public void Layer(Processor cpu, bool enter, Emu.Hypervisor.Statistics.GuestLayer layer, int count)
    {
        Write(new TraceEvent
        {
            VirtualTime = cpu.Retired,
            Kind = TraceEventKind.Layer,
            Cs = cpu.InstructionCs,
            Ip = cpu.InstructionIp,
            Direction = enter ? "enter" : "leave",
            Value = (uint)count,
            Detail = Emu.Hypervisor.Statistics.LayerNames.Of(layer),
        });
    }

    /// <summary>Something a device did (an IRQ line moved, the host backend was touched).</summary>
    public void Device(Processor cpu, string device, string detail, long hostTicks = 0)
    {
        if ((Events & TraceEvents.Devices) == 0)
            return;
        Write(new TraceEvent
        {
            VirtualTime = cpu.Retired,
            Kind = TraceEventKind.Device,
            Cs = cpu.InstructionCs,
            Ip = cpu.InstructionIp,
            Device = device,
            Detail = detail,
            HostNanoseconds = HostTime && hostTicks != 0 ? Nanoseconds(hostTicks) : null,
        });
    }

    public void Instruction(Processor cpu)
    {
        Write(new TraceEvent
        {
            VirtualTime = cpu.Retired,
            Kind = TraceEventKind.Instruction,
            Cs = cpu.CS,
            Ip = cpu.IP,
            Instruction = _disassembler.FormatAt(cpu.Memory, cpu.CS, cpu.IP, out _),
            Registers = Registers ? TraceRegisters.Of(cpu) : null,
        });
    }

    public void Stop(Processor cpu, RunOutcome outcome)
    {
        Write(new TraceEvent
        {
            VirtualTime = cpu.Retired,
            Kind = TraceEventKind.Stop,
            Cs = cpu.CS,
            Ip = cpu.IP,
            Detail = $"{outcome.End.ToString().ToLowerInvariant()}: {outcome.Message} (exit status {outcome.ExitCode})",
        });
    }

    private void Write(TraceEvent e)
    {
        if (_inExit)
            _caused.Add(e);
        else
            sink.Write(e with { Sequence = _sequence++ });
    }

    private static long Nanoseconds(long ticks) => ticks * 1_000_000_000L / Stopwatch.Frequency;

    public void Dispose() => sink.Dispose();
}
