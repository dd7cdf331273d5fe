using CommandLine;
using Emu.Tooling.GuestTests;

namespace Emu.Cli.Verbs;

[Verb("test", HelpText = "Run guest test programs (.asm, .bin, .img; directories recursively) and check their output and exit status against the expectations in their source.")]
public sealed class TestOptions
{
    [Value(0, MetaName = "PATH", Min = 1, HelpText = "Programs or directories to test.")]
    public IEnumerable<string> Paths { get; set; } = [];

    [Option("verbose", HelpText = "Print what each failing program printed.")]
    public bool Verbose { get; set; }

    [Option('j', "jobs", HelpText = "Programs run at once (default: the number of cores). Results are printed in the programs' order whatever order they finish in.")]
    public int? Jobs { get; set; }
}

/// <summary>
/// emu test: the guest programs of the paths (<see cref="GuestTestCase.Find"/>), each run on a fresh machine in
/// this process (<see cref="GuestLauncher"/>) and checked against the expectations in its source
/// (<see cref="GuestExpectations"/>); one PASS, FAIL or SKIP line each in the programs' order, then the counts.
/// SIGINT or SIGTERM stops the run at the program it interrupts (status 130 or 143), which is not counted.
/// </summary>
public static class TestVerb
{
    public static int Run(TestOptions options, TextWriter output)
    {
        int jobs = options.Jobs ?? Environment.ProcessorCount;
        if (jobs is < 1 or > 256)
            throw new UserError($"--jobs {jobs} is out of range (1 to 256)", ExitCodes.Usage);
        List<GuestTestCase> cases;
        try
        {
            cases = GuestTestCase.Find(options.Paths);
        }
        catch (GuestTestException e)
        {
            throw new UserError(e.Message);
        }

        using var interruption = Interruption.Catch();
        using var progress = new Progress();
        var summary = GuestTestSuite.Run(cases, new GuestTestRunner(new GuestLauncher()), jobs, interruption.Token,
            started: (n, test) => progress.Report($"[{n}/{cases.Count}] {test.Name}"),
            report: result =>
            {
                progress.Clear();
                output.WriteLine(result.Line);
                if (options.Verbose && result.Verdict == GuestTestVerdict.Fail && result.Log is { } log)
                    output.Write(log);
                output.Flush();
            });
        progress.Clear();

        var (passed, failed, skipped) = (summary.Passed, summary.Failed, summary.Skipped);
        if (interruption.Requested)
        {
            output.Flush();
            string which = summary.Interrupted.Count == 0 ? "between programs" : "while testing " + string.Join(", ", summary.Interrupted);
            Console.Error.WriteLine($"emu: {interruption.Verb} {which} ({passed} passed, {failed} failed before it)");
            return interruption.ExitCode;
        }
        output.WriteLine(skipped == 0 ? $"{passed} passed, {failed} failed" : $"{passed} passed, {failed} failed, {skipped} skipped (no expectations)");
        return failed == 0 ? ExitCodes.Success : ExitCodes.HostError;
    }
}
