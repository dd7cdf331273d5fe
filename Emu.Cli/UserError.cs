namespace Emu.Cli;

/// <summary>A problem the user can fix (a missing file, a bad value): one line on stderr, no stack trace.</summary>
public sealed class UserError(string message, int exitCode = ExitCodes.HostError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The process exit statuses the command documents.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A host-side error: missing or unreadable file, failed tests.</summary>
    public const int HostError = 1;
    /// <summary>The command line could not be understood.</summary>
    public const int Usage = 2;
    /// <summary>The guest triple-faulted (shutdown).</summary>
    public const int Shutdown = 3;
    /// <summary>The guest stopped the machine otherwise: no bootable disk, a state the machine cannot emulate.</summary>
    public const int GuestStop = Emu.Hypervisor.RunOutcome.GuestStopExitCode;
    /// <summary>--max-instructions or --timeout ended the run.</summary>
    public const int Limit = 124;
}
