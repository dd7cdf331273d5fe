namespace Emu.Hypervisor.Debugging;

/// <summary>
/// Code breakpoints at linear addresses (CS*16+IP, as gdb's addresses are in real mode): software ones (gdb's
/// break, monitor break) and hardware ones (gdb's hbreak). The machine checks them before each instruction only
/// while at least one is set.
/// </summary>
public sealed class Breakpoints
{
    private readonly HashSet<uint> _software = [];
    private readonly HashSet<uint> _hardware = [];
    // monitor break SEG:OFF: the stub's own, which gdb's insert-on-resume, remove-on-stop cycle leaves alone.
    private readonly HashSet<uint> _monitor = [];

    public bool Any => _software.Count + _hardware.Count + _monitor.Count > 0;

    public bool AddMonitor(uint linear) => _monitor.Add(linear);

    public bool RemoveMonitor(uint linear) => _monitor.Remove(linear);

    public IEnumerable<uint> Monitor => _monitor.Order();

    /// <summary>True when a monitor breakpoint (one gdb does not know of) is at <paramref name="linear"/>.</summary>
    public bool IsMonitor(uint linear) => _monitor.Contains(linear);

    public bool Add(uint linear, bool hardware) => (hardware ? _hardware : _software).Add(linear);

    public bool Remove(uint linear, bool hardware) => (hardware ? _hardware : _software).Remove(linear);

    public void Clear()
    {
        _software.Clear();
        _hardware.Clear();
        _monitor.Clear();
    }

    /// <summary>The stop a breakpoint at <paramref name="linear"/> makes, or null when none is there.</summary>
    public DebugStopKind? At(uint linear) =>
        _hardware.Contains(linear) ? DebugStopKind.HardwareBreakpoint
        : _software.Contains(linear) || _monitor.Contains(linear) ? DebugStopKind.Breakpoint
        : null;
}
