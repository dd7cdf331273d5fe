using Emu.Cpu;

namespace Emu.Hypervisor.Tracing;

/// <summary>What a trace event records.</summary>
public enum TraceEventKind : byte
{
    /// <summary>A VM exit: the CPU stopped at an instruction and the VMM handled the access.</summary>
    Exit,
    /// <summary>An interrupt or exception delivered through the IVT.</summary>
    Interrupt,
    /// <summary>Something a device did in response: an IRQ line changed, the host backend was read or written.</summary>
    Device,
    /// <summary>One executed instruction (only with --trace-events instructions).</summary>
    Instruction,
    /// <summary>The run ended.</summary>
    Stop,
    /// <summary>The guest OS entered or left one of its layers (the Layer hypercall): direction "enter" or "leave",
    /// the layer's name in the detail, and for a leave the number of layers it ended (inner ones still active too).</summary>
    Layer,
}

/// <summary>
/// One line of an instruction-to-exit trace. Virtual time is the retired-instruction count, so the
/// same run gives the same trace byte for byte; host time appears only when asked for.
/// </summary>
public sealed record TraceEvent
{
    public long Sequence { get; init; }
    public long VirtualTime { get; init; }
    public TraceEventKind Kind { get; init; }
    public ushort Cs { get; init; }
    public ushort Ip { get; init; }
    /// <summary>The instruction at CS:IP as Iced formats it (Intel syntax).</summary>
    public string? Instruction { get; init; }
    public ExitReason? Reason { get; init; }
    /// <summary>"in"/"out" for port exits, "read"/"write" for MMIO, "enter"/"leave" for layers.</summary>
    public string? Direction { get; init; }
    /// <summary>Port number or physical address.</summary>
    public uint? Address { get; init; }
    public byte? Size { get; init; }
    public uint? Value { get; init; }
    /// <summary>The device that handled the access and the register it touched, e.g. <c>ata0.status</c>.</summary>
    public string? Device { get; init; }
    public string? Register { get; init; }
    /// <summary>What happened, in words: "irq14 raised", "backend read offset=512 length=512", "vector 08h".</summary>
    public string? Detail { get; init; }
    /// <summary>Host nanoseconds spent handling the event (only with --trace-host-time).</summary>
    public long? HostNanoseconds { get; init; }
    /// <summary>Instruction events with --trace-registers: the registers before the instruction ran.</summary>
    public TraceRegisters? Registers { get; init; }
}

/// <summary>The registers an instruction event carries (--trace-registers).</summary>
public sealed record TraceRegisters(uint Eax, uint Ebx, uint Ecx, uint Edx, uint Esi, uint Edi, uint Ebp, uint Esp,
    ushort Ds, ushort Es, ushort Ss, ushort Fs, ushort Gs, uint Flags)
{
    public static TraceRegisters Of(Processor c) =>
        new(c.Eax, c.Ebx, c.Ecx, c.Edx, c.Esi, c.Edi, c.Ebp, c.Esp, c.DS, c.ES, c.SS, c.FS, c.GS, c.Flags);

    /// <summary>As the text trace and the Chrome trace's args show them.</summary>
    public override string ToString() =>
        $"EAX={Eax:X8} EBX={Ebx:X8} ECX={Ecx:X8} EDX={Edx:X8} ESI={Esi:X8} EDI={Edi:X8} EBP={Ebp:X8} ESP={Esp:X8} "
        + $"DS={Ds:X4} ES={Es:X4} SS={Ss:X4} FS={Fs:X4} GS={Gs:X4} FLAGS={Flags:X4}";
}

/// <summary>A destination for trace events (text, JSON lines, Chrome trace).</summary>
public interface ITraceSink : IDisposable
{
    void Write(TraceEvent e);
}
