namespace Emu.Io.Interrupts;

/// <summary>
/// One interrupt request wire from a device to the interrupt controller. The device drives a level;
/// the controller decides what an edge or level means (the PC's 8259s are edge triggered). Only
/// changes are passed on, so a device may call <see cref="Set"/> after every register access.
/// A line without a sink is a wire to nowhere: it still remembers its level (handy in tests).
/// </summary>
public sealed class IrqLine
{
    private readonly IInterruptSink? _sink;

    public IrqLine(int number, IInterruptSink? sink = null)
    {
        Number = number;
        _sink = sink;
    }

    /// <summary>The controller input this line is wired to (IRQ number).</summary>
    public int Number { get; }

    /// <summary>The level the device currently drives.</summary>
    public bool Level { get; private set; }

    /// <summary>How many times the line went from low to high (for tests and statistics).</summary>
    public long RisingEdges { get; private set; }

    public void Raise() => Set(true);

    public void Lower() => Set(false);

    public void Set(bool level)
    {
        if (level == Level)
            return;
        Level = level;
        if (level)
            RisingEdges++;
        _sink?.SetIrqLevel(Number, level);
    }

    /// <summary>A low-high edge leaving the line high, for devices that signal by pulse (PIT mode 2).</summary>
    public void Pulse()
    {
        Set(false);
        Set(true);
    }
}
