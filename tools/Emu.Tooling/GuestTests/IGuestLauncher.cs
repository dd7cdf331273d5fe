namespace Emu.Tooling.GuestTests;

/// <summary>
/// Runs one guest as <c>emu run</c> or <c>emu boot</c> would with these arguments, its debug console and COM1
/// captured. The command line's options belong to the CLI, so the CLI implements it (<c>Emu.Cli.GuestLauncher</c>).
/// Options the machine refuses are a <see cref="GuestTestException"/>.
/// </summary>
public interface IGuestLauncher
{
    /// <param name="test">The case, for messages (the image in the arguments is a scratch copy).</param>
    /// <param name="arguments">The verb (run or boot), the image, then the options.</param>
    /// <param name="cancel">Stops the run at an instruction boundary.</param>
    GuestRun Run(GuestTestCase test, IReadOnlyList<string> arguments, CancellationToken cancel);
}

/// <summary>How a guest run ended and what it showed: exit status and why, the bytes on E9h and COM1, the text screen.</summary>
public sealed record GuestRun(int ExitCode, string Message, byte[] DebugConsole, byte[] Serial, IReadOnlyList<string> Screen);
