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
    /// <summary>"in"/"out" for port exits, "read"/"write" for MMIO.</summary>
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
}

/// <summary>A destination for trace events (text, JSON lines, Chrome trace).</summary>
public interface ITraceSink : IDisposable
{
    void Write(TraceEvent e);
}
