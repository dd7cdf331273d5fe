namespace Emu.Hypervisor.Debugging;

/// <summary>Why the guest stopped for the debugger.</summary>
public enum DebugStopKind
{
    /// <summary>Before the first instruction (--gdb-wait), or when a debugger connected to a running guest.</summary>
    Attached,
    /// <summary>The debugger asked (gdb's Ctrl-C).</summary>
    Interrupted,
    /// <summary>The next instruction is at a software breakpoint (gdb's break, monitor break).</summary>
    Breakpoint,
    /// <summary>The next instruction is at a hardware breakpoint (gdb's hbreak).</summary>
    HardwareBreakpoint,
    /// <summary>One instruction ran (gdb's stepi).</summary>
    Step,
    /// <summary>The instruction that just ran touched a watched range.</summary>
    Watchpoint,
    /// <summary>The instruction that just ran made a VM exit a break-exit spec matches.</summary>
    ExitBreak,
    /// <summary>Going back reached the earliest snapshot of the history (reverse execution).</summary>
    HistoryBegin,
}

/// <summary>What kind of access a watchpoint reports (gdb's watch, rwatch, awatch).</summary>
public enum WatchKind
{
    Write,
    Read,
    Access,
}

/// <summary>A stop of the guest for the debugger, at an instruction boundary: why, and the details gdb's stop
/// reply carries (the watched address) or the user is told (which break-exit matched, by which exit).</summary>
public sealed record DebugStop(DebugStopKind Kind, string Description)
{
    public WatchKind Watch { get; init; }
    /// <summary>For a watchpoint: the linear address of the watched byte that was accessed.</summary>
    public uint WatchAddress { get; init; }
}
