namespace Emu.Io.Interrupts;

/// <summary>Whatever an <see cref="IrqLine"/> is wired to: the interrupt controller's inputs.</summary>
public interface IInterruptSink
{
    /// <summary>The level of input <paramref name="irq"/> changed.</summary>
    void SetIrqLevel(int irq, bool level);
}
