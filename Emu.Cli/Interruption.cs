using System.Runtime.InteropServices;

namespace Emu.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM while emu runs guests (run, boot, test): the first one stops the run at the
/// next instruction boundary, so that it ends through the usual path (disks flushed, one line on stderr,
/// status 130 or 143, as a shell reports a process killed by that signal). A second one, if the run has
/// not stopped by then, is left to its default action and ends the process at once.
/// </summary>
internal sealed class Interruption : IDisposable
{
    public const int InterruptedExitCode = 130; // 128 + SIGINT
    public const int TerminatedExitCode = 143; // 128 + SIGTERM

    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private volatile int _signal; // 0 until the first signal arrives

    private Interruption()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Starts catching both signals until disposed.</summary>
    public static Interruption Catch() => new();

    public CancellationToken Token => _cancel.Token;

    public bool Requested => _signal != 0;

    public bool Terminated => _signal == (int)PosixSignal.SIGTERM;

    /// <summary>The process exit status for the signal that came: 130 (SIGINT) or 143 (SIGTERM).</summary>
    public int ExitCode => Terminated ? TerminatedExitCode : InterruptedExitCode;

    /// <summary>"interrupted" (Ctrl-C) or "terminated by SIGTERM": how the messages say what stopped the run.</summary>
    public string Verb => Terminated ? "terminated by SIGTERM" : "interrupted";

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.CompareExchange(ref _signal, (int)context.Signal, 0) != 0)
            return; // the second signal: its default action ends the process
        context.Cancel = true;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cancel.Dispose();
    }
}
