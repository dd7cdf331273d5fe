namespace Emu.Hypervisor.Debugging;

/// <summary>How the debugger lets a stopped guest go on.</summary>
public enum DebugResume
{
    /// <summary>Run until something stops it again.</summary>
    Continue,
    /// <summary>Run one instruction.</summary>
    Step,
    /// <summary>End the run (gdb's kill).</summary>
    Kill,
    /// <summary>Go back one instruction (gdb's reverse-stepi).</summary>
    ReverseStep,
    /// <summary>Go back to the last breakpoint, watchpoint or break-exit stop (gdb's reverse-continue).</summary>
    ReverseContinue,
}

/// <summary>
/// The user's side of a debugger (the gdb remote stub). The machine calls it on its own thread: between slices
/// while the guest runs, and whenever the guest stops; the guest does not move while <see cref="Stopped"/> runs.
/// </summary>
public interface IDebugFrontEnd
{
    /// <summary>While the guest runs, between slices: true when the user wants it stopped now (gdb's Ctrl-C, or a
    /// debugger that just connected).</summary>
    bool StopRequested();

    /// <summary>The guest stopped at an instruction boundary; returns when the user lets it go on, or soon after
    /// <paramref name="cancel"/> fires (Ctrl-C on emu: the run ends).</summary>
    DebugResume Stopped(DebugStop stop, CancellationToken cancel);

    /// <summary>The run ended (the guest halted, exited, shut down, or a limit ended it).</summary>
    void RunEnded(RunOutcome outcome);
}
