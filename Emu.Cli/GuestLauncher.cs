using CommandLine;
using Emu.Cli.Verbs;
using Emu.Hypervisor.Loader;
using Emu.Tooling.GuestTests;

namespace Emu.Cli;

/// <summary>
/// Runs a guest test program in this process as <c>emu run</c> or <c>emu boot</c> with the same arguments would,
/// its debug console and COM1 captured: the machine <c>emu test</c> and the guest program tests both use.
/// </summary>
public sealed class GuestLauncher : IGuestLauncher
{
    private static readonly Type[] MachineVerbs = [typeof(RunOptions), typeof(BootOptions)];

    public GuestRun Run(GuestTestCase test, IReadOnlyList<string> arguments, CancellationToken cancel)
    {
        var options = PlainCommandLine.TryRead(arguments, MachineVerbs) as MachineOptions;
        if (options is null)
            Program.NewParser().ParseArguments(arguments, MachineVerbs).WithParsed(o => options = o as MachineOptions);
        if (options is null)
            throw new GuestTestException($"bad '; emu-options:' or '; emu-variant:' line in {test.Source}: {string.Join(' ', test.Expect?.Options ?? [])} {test.Variant}");

        using var console = new MemoryStream();
        using var serial = new MemoryStream();
        try
        {
            string? bootImage = options is BootOptions boot ? boot.Image : null;
            using var session = MachineSession.Create(options, bootImage, new MachineSession.Capture(console, serial));
            if (options is RunOptions run)
            {
                if (!SegmentedAddress.TryParse(run.LoadAddress, out var at))
                    throw new GuestTestException($"bad --load-address '{run.LoadAddress}'");
                session.LoadProgram(InputFiles.ReadAll(run.Program, "program"), at, test.Program);
            }
            var outcome = session.Run(cancel);
            return new GuestRun(outcome.ExitCode, outcome.Message, console.ToArray(), serial.ToArray(), session.Machine.Display.TextLines());
        }
        catch (UserError e)
        {
            throw new GuestTestException(e.Message);
        }
    }
}
