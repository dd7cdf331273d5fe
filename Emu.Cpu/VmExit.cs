namespace Emu.Cpu;

/// <summary>Why the CPU handed control to the hypervisor.</summary>
public enum ExitReason : byte
{
    Io,
    Mmio,
    Halt,
    Hypercall,
    Shutdown,
    InvalidState,
}

public static class ExitReasons
{
    /// <summary>How many reasons there are: the length of an array indexed by reason. A constant rather than
    /// Enum.GetValues, which is JIT-compiled (not precompiled) at every start (docs/PERFORMANCE.md, start-up).</summary>
    public const int Count = (int)ExitReason.InvalidState + 1;
}

/// <summary>
/// One VM exit: the CPU stopped at an instruction that touched something it does not own (a port,
/// an MMIO page, the hypervisor). The handler completes it: for a read it stores <see cref="Value"/>.
/// </summary>
public struct VmExit
{
    public ExitReason Reason;
    /// <summary>True for OUT / MMIO writes, false for IN / MMIO reads.</summary>
    public bool IsWrite;
    /// <summary>Access width in bytes: 1, 2 or 4.</summary>
    public byte Size;
    /// <summary>CS and IP of the instruction that exited.</summary>
    public ushort Cs;
    public uint Ip;
    /// <summary>Port number (Io) or physical address (Mmio); the hypercall number (AX) for Hypercall.</summary>
    public uint Address;
    /// <summary>The value written, or the value the handler returns for a read.</summary>
    public uint Value;

    /// <summary>The exit of a port (Io) or MMIO access of <paramref name="size"/> bytes by the instruction executing
    /// now; a read starts with all ones (an empty bus), which the handler replaces.</summary>
    public static VmExit Access(Processor cpu, ExitReason reason, bool write, uint address, int size, uint value) => new()
    {
        Reason = reason, IsWrite = write, Size = (byte)size,
        Cs = cpu.InstructionCs, Ip = cpu.InstructionIp, Address = address,
        Value = write ? value : Processor.SizeMask(size),
    };
}

/// <summary>The hypervisor side of VM exits: called synchronously while the CPU is stopped at the instruction. An
/// abstract class, not an interface: every IN and OUT calls it, and a virtual call costs less than an interface's
/// dispatch stub.</summary>
public abstract class ExitHandler
{
    public abstract void HandleExit(Processor cpu, ref VmExit exit);

    /// <summary>A port (<see cref="ExitReason.Io"/>) or MMIO read of <paramref name="size"/> bytes; returns the value
    /// (bits above the size are ignored). By default one <see cref="HandleExit"/>; a hypervisor may serve the access
    /// without building a <see cref="VmExit"/> when nobody looks at it (the path every IN takes).</summary>
    public virtual uint Read(Processor cpu, ExitReason reason, uint address, int size)
    {
        var exit = VmExit.Access(cpu, reason, write: false, address, size, 0);
        HandleExit(cpu, ref exit);
        return exit.Value;
    }

    /// <summary>A port or MMIO write of the low <paramref name="size"/> bytes of <paramref name="value"/> (the bits
    /// above are clear). By default one <see cref="HandleExit"/>, like <see cref="Read"/>.</summary>
    public virtual void Write(Processor cpu, ExitReason reason, uint address, int size, uint value)
    {
        var exit = VmExit.Access(cpu, reason, write: true, address, size, value);
        HandleExit(cpu, ref exit);
    }
}

/// <summary>The INTA cycle: the interrupt controller names the vector of the interrupt it raised.</summary>
public interface IInterruptAcknowledge
{
    /// <summary>Returns the vector of the highest-priority pending interrupt, or -1 if it went away.</summary>
    int Acknowledge();
}

/// <summary>Where an interrupt came from.</summary>
public enum InterruptKind : byte
{
    /// <summary>An IRQ acknowledged from the interrupt controller.</summary>
    External,
    /// <summary>INT n, INT3, INTO.</summary>
    Software,
    /// <summary>A fault raised by the instruction (#DE, #UD, #GP, ...).</summary>
    Exception,
    /// <summary>The single-step trap (TF).</summary>
    Trap,
}

/// <summary>Observes interrupt delivery (CS:IP are still those of the interrupted code).</summary>
public interface IInterruptObserver
{
    void InterruptDelivered(Processor cpu, byte vector, InterruptKind kind);
}
