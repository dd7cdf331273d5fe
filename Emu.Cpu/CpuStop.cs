namespace Emu.Cpu;

/// <summary>Why the CPU stopped with <see cref="StopReason.Shutdown"/> or <see cref="StopReason.InvalidState"/>.</summary>
public enum StopCause : byte
{
    /// <summary>CR0.PE or PG was set: protected mode, which Emu does not emulate (InvalidState).</summary>
    ProtectedMode,
    /// <summary>An interrupt whose IDT entry lies beyond the IDTR limit (Shutdown).</summary>
    VectorBeyondLimit,
    /// <summary>An exception while an interrupt was being delivered: a triple fault (Shutdown).</summary>
    FaultWhileDelivering,
    /// <summary>An exception while pushing an interrupt's frame (the stack is unusable): a triple fault (Shutdown).</summary>
    FaultPushingFrame,
    /// <summary>A device reset the machine (8042, port 92h, CF9h); <see cref="CpuStop.Source"/> names it (Shutdown).</summary>
    GuestReset,
}

/// <summary>
/// A stop and what it concerns: the instruction (<see cref="Cs"/>:<see cref="Ip"/>) and CR0 value for protected
/// mode; the <see cref="Vector"/> and IDT limit (<see cref="Value"/>) or the exception (<see cref="Fault"/>) for a
/// shutdown; the reset's <see cref="Source"/>. <see cref="ToString"/> is the one place it becomes words.
/// </summary>
public sealed record CpuStop(StopCause Cause, ushort Cs = 0, uint Ip = 0, uint Value = 0, byte Vector = 0, byte Fault = 0, string? Source = null)
{
    public override string ToString() => Cause switch
    {
        StopCause.ProtectedMode => $"the guest tried to enter protected mode at {Cs:X4}:{Ip:X4} (CR0 = {Value:X8}); Emu emulates real mode only",
        StopCause.VectorBeyondLimit => $"interrupt {Vector:X2}h is beyond the interrupt table limit {Value:X4}h",
        StopCause.FaultWhileDelivering => $"exception {Vector:X2}h while delivering an interrupt (triple fault)",
        StopCause.FaultPushingFrame => $"exception {Fault:X2}h while pushing the frame of interrupt {Vector:X2}h (triple fault)",
        StopCause.GuestReset => $"the guest reset the machine ({Source})",
        _ => Cause.ToString(),
    };
}
