namespace Emu.Cpu;

/// <summary>Why <see cref="Processor.Run"/> returned to its caller (the hypervisor's run loop).</summary>
public enum StopReason
{
    /// <summary>The instruction budget of this call was used up.</summary>
    InstructionLimit,
    /// <summary>The caller ended the slice early (<see cref="Processor.EndSlice"/>): a device moved a timer deadline
    /// into it, so the caller sizes its next slice again.</summary>
    SliceEnded,
    /// <summary>HLT executed; the CPU waits for an interrupt.</summary>
    Halt,
    /// <summary>An exit handler asked the CPU to stop (for example the guest wrote the debug-exit port).</summary>
    StopRequested,
    /// <summary>A fault while delivering a fault: the machine shuts down, as a PC does on a triple fault.</summary>
    Shutdown,
    /// <summary>The guest asked for something this machine cannot do (protected mode); see <see cref="Processor.StopMessage"/>.</summary>
    InvalidState,
}
