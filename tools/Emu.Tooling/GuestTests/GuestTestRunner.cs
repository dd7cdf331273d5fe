using System.Globalization;
using System.Text;
using Emu.Hypervisor.Firmware;

namespace Emu.Tooling.GuestTests;

/// <summary>
/// Runs one <see cref="GuestTestCase"/> on a fresh machine with the firmware, as <c>emu run</c> would run it (or
/// <c>emu boot</c> for an .img, a floppy-sized image or <c>; emu-verb: boot</c>), on scratch copies of the image and
/// its disks so the originals are never written, and compares what it showed with its expectations.
/// </summary>
public sealed class GuestTestRunner(IGuestLauncher launcher)
{
    private const long DefaultMaxInstructions = 200_000_000;
    private const double DefaultTimeoutSeconds = 60;

    public GuestTestResult Run(GuestTestCase test, CancellationToken cancel = default)
    {
        if (test.Problem is { } problem)
            return new GuestTestResult(test, GuestTestVerdict.Fail, $"FAIL {test.Name}: {problem}", null);
        if (test.Expect is not { } expect)
        {
            string why = test.Source is null
                ? "no expectations (no .asm source beside it)"
                : $"no expectations (no '; expect-output:', '; expect-exit:'... line in {test.Source})";
            return new GuestTestResult(test, GuestTestVerdict.Skip, $"SKIP {test.Name}: {why}", null);
        }
        string? failure, log = null;
        try
        {
            failure = RunAndCompare(test, expect, cancel, out log);
        }
        catch (GuestTestException e)
        {
            failure = e.Message;
        }
        return failure is null
            ? new GuestTestResult(test, GuestTestVerdict.Pass, $"PASS {test.Name}", log)
            : new GuestTestResult(test, GuestTestVerdict.Fail, $"FAIL {test.Name}: {failure}", log);
    }

    /// <summary>Null when the program met its expectations, else why not.</summary>
    private string? RunAndCompare(GuestTestCase test, GuestExpectations expect, CancellationToken cancel, out string? log)
    {
        log = null;
        string ext = Path.GetExtension(test.Program).ToLowerInvariant();
        // The program as built or copied, and a copy of each disk it names, so that a test never writes a committed image.
        using var scratch = new ScratchFolder("emu-test-");
        string image = scratch["program.bin"];
        if (ext == ".asm")
        {
            if (Nasm.Assemble(test.Source!, image) is { } error)
                return error;
        }
        else
            File.Copy(test.Program, image);

        bool boot = expect.Boot || ext == ".img" || BiosDrive.IsFloppySize(new FileInfo(image).Length);
        var args = new List<string> { boot ? "boot" : "run", image };
        args.AddRange(expect.Options);
        if (test.Variant is not null)
            args.AddRange(test.Variant.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        int copies = 0;
        foreach (var (disk, option) in expect.Disks)
        {
            if (!File.Exists(disk))
                return $"its '; {option[2..]}:' image '{disk}' does not exist";
            string copy = scratch[$"disk-{copies++}.img"];
            File.Copy(disk, copy);
            args.AddRange([option, copy.Replace(",", ",,", StringComparison.Ordinal)]);
        }
        if (!args.Contains("--max-instructions"))
            args.AddRange(["--max-instructions", DefaultMaxInstructions.ToString(CultureInfo.InvariantCulture)]);
        if (!args.Contains("--timeout"))
            args.AddRange(["--timeout", DefaultTimeoutSeconds.ToString(CultureInfo.InvariantCulture)]);

        var run = launcher.Run(test, args, cancel);
        string printed = Text(run.DebugConsole), sent = Text(run.Serial);
        log = $"  exit status {run.ExitCode}: {run.Message}\n" + Indent("E9h", printed) + Indent("COM1", sent)
            + "  screen:\n" + string.Concat(run.Screen.Select(l => $"    |{l}\n"));

        return CompareLines("output", printed, expect.Output)
            ?? (expect.Serial.Count > 0 ? CompareLines("serial", sent, expect.Serial) : null)
            ?? CheckScreen(run.Screen, expect.Screen)
            ?? (run.ExitCode != expect.ExpectedExit
                ? $"exit status {run.ExitCode}, expected {expect.ExpectedExit} ({run.Message})"
                : null);
    }

    private static string Text(byte[] bytes) => Encoding.Latin1.GetString(bytes).Replace("\r", "", StringComparison.Ordinal);

    private static string Indent(string what, string text) =>
        text.Length == 0 ? $"  {what}: nothing\n" : $"  {what}:\n" + string.Concat(text.TrimEnd('\n').Split('\n').Select(l => $"    |{l}\n"));

    private static string? CompareLines(string what, string printed, List<string> expected)
    {
        var got = printed.Length == 0 ? [] : printed.TrimEnd('\n').Split('\n').ToList();
        for (int i = 0; i < Math.Max(got.Count, expected.Count); i++)
        {
            if (i >= got.Count)
                return $"{what} ended after {got.Count} line(s); expected line {i + 1} '{expected[i]}'";
            if (i >= expected.Count)
                return $"{what} line {i + 1} '{got[i]}' was not expected";
            if (got[i] != expected[i])
                return $"{what} line {i + 1} was '{got[i]}', expected '{expected[i]}'";
        }
        return null;
    }

    private static string? CheckScreen(IReadOnlyList<string> screen, List<string> expected)
    {
        foreach (string line in expected)
        {
            if (!screen.Any(s => s.TrimEnd() == line.TrimEnd()))
                return $"the screen has no line '{line}'";
        }
        return null;
    }
}
