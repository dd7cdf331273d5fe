namespace Emu.Hypervisor;

/// <summary>How a run ended.</summary>
public enum RunEnd
{
    /// <summary>HLT with interrupts off and nothing pending: the guest is done.</summary>
    Halted,
    /// <summary>The guest wrote the isa-debug-exit port.</summary>
    DebugExit,
    /// <summary>A triple fault (or an interrupt beyond the IDT limit): the machine shut down.</summary>
    Shutdown,
    /// <summary>--max-instructions was reached.</summary>
    InstructionLimit,
    /// <summary>--timeout (host seconds) ran out.</summary>
    Timeout,
    /// <summary>The host asked the run to stop (Ctrl-C).</summary>
    Cancelled,
    /// <summary>The user quit from the live console (<see cref="IRunHost.QuitRequested"/>).</summary>
    Quit,
    /// <summary>The guest asked for something the machine cannot do (protected mode).</summary>
    InvalidState,
    /// <summary>HLT with interrupts on but nothing that could ever raise one.</summary>
    Deadlock,
    /// <summary>The firmware found nothing to boot and ended the run with a reason.</summary>
    FirmwareStop,
    /// <summary>A device process died, hung or broke the device protocol: the guest cannot go on.</summary>
    DeviceFailure,
    /// <summary>A --break-exit matched with no debugger attached: the run stops where the user asked.</summary>
    Break,
}

/// <summary>The result of <see cref="VirtualMachine.Run"/>: how it ended, the process exit status the
/// documented rules give, and a one-line explanation.</summary>
public sealed record RunOutcome(RunEnd End, int ExitCode, string Message)
{
    public const int ShutdownExitCode = 3;
    public const int LimitExitCode = 124;
    /// <summary>The user stopped the run: Ctrl-C (SIGINT), or gdb's kill.</summary>
    public const int CancelledExitCode = 130;
    /// <summary>A --break-exit stopped the run where the user asked (no debugger attached): not the guest's
    /// status, not a host error; even, so that it is not an isa-debug-exit status either.</summary>
    public const int BreakExitCode = 6;
    /// <summary>The guest stopped the machine in a way that is neither success nor a limit: the firmware found no
    /// bootable disk (at start-up or when a program called INT 19h), or the guest asked for what the machine cannot
    /// do (protected mode). Its own status, so that what the guest caused never reads as a host error (1); even,
    /// so that it is not an isa-debug-exit status ((v &lt;&lt; 1) | 1 is odd).</summary>
    public const int GuestStopExitCode = 4;
}

/// <summary>Bounds on a run. Null means unbounded.</summary>
public sealed record RunLimits
{
    public long? MaxInstructions { get; init; }
    public TimeSpan? Timeout { get; init; }
    public CancellationToken Cancellation { get; init; }
    /// <summary>Something outside the machine that acts while it runs (the live console); null for none.</summary>
    public IRunHost? Host { get; init; }
}

/// <summary>
/// What the run loop lets act between slices of guest execution (at least every 1,000,000 instructions,
/// and while a halted guest waits): a live console reads the keys typed since the last call and redraws
/// the screen. Called on the run loop's thread, so it may touch the machine's devices.
/// </summary>
public interface IRunHost
{
    void Poll();

    /// <summary>True once the user has asked to quit: the run ends at the next boundary with <see cref="RunEnd.Quit"/>.</summary>
    bool QuitRequested { get; }

    /// <summary>True once after the user asked for a reset (the console's reset key): the machine reboots.</summary>
    bool TakeResetRequest() => false;
}
