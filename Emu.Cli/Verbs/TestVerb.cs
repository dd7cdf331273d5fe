using System.Diagnostics;
using System.Text;
using CommandLine;
using Emu.Hypervisor;
using Emu.Hypervisor.Firmware;
using Emu.Hypervisor.Loader;

namespace Emu.Cli.Verbs;

[Verb("test", HelpText = "Run guest test programs (.asm, .bin, .img; directories recursively) and check their output and exit status against the expectations in their source.")]
public sealed class TestOptions
{
    [Value(0, MetaName = "PATH", Min = 1, HelpText = "Programs or directories to test.")]
    public IEnumerable<string> Paths { get; set; } = [];

    [Option("verbose", HelpText = "Print what each failing program printed.")]
    public bool Verbose { get; set; }
}

/// <summary>
/// The guest-program test runner. Each program runs on a fresh machine with the firmware, as
/// <c>emu run</c> would run it (or <c>emu boot</c> for an .img or a floppy-sized image, on a scratch
/// copy so the original is never written), and its debug-console output (port E9h), COM1 output,
/// screen and exit status are compared with the lines of its source:
/// <c>; expect-output: TEXT</c> (one per line printed on E9h), <c>; expect-serial: TEXT</c> (COM1),
/// <c>; expect-screen: TEXT</c> (a screen line), <c>; expect-exit: N</c> (default 0),
/// <c>; emu-options: ...</c> (extra options of run/boot, e.g. <c>--cpu 8086 --keys abc</c>) and
/// <c>; emu-verb: boot</c> (boot the image as a disk even when it is not floppy-sized) and
/// <c>; disk: FILE</c> (attach a scratch copy of FILE, beside the source, as the next hard disk) and
/// <c>; virtio-disk: FILE</c> (the same, as the virtio disk) and
/// <c>; emu-variant: ...</c> (run the program once more per such line, with these options added to the
/// others, e.g. <c>--bios-disk dma</c>; with variant lines the program runs only in its variants, each
/// reported as <c>PROGRAM [OPTIONS]</c>).
/// A .bin takes its expectations from the .asm beside it; an .asm is assembled with nasm. A source with no
/// expectation line is not a test (a benchmark, the firmware): it is reported as SKIP and counted apart.
/// SIGINT or SIGTERM stops the run at the program it interrupts (status 130 or 143), which is not counted.
/// </summary>
public static class TestVerb
{
    private const long DefaultMaxInstructions = 200_000_000;
    private const double DefaultTimeoutSeconds = 60;

    public static int Run(TestOptions options, TextWriter output)
    {
        var programs = new List<string>();
        foreach (string path in options.Paths)
        {
            if (Directory.Exists(path))
                programs.AddRange(FindPrograms(path));
            else if (File.Exists(path))
                programs.Add(path);
            else
                throw new UserError($"test path '{path}' does not exist");
        }
        if (programs.Count == 0)
            throw new UserError($"no test programs (.asm, .bin, .img) under {string.Join(", ", options.Paths)}");

        using var interruption = Interruption.Catch();
        int passed = 0, failed = 0, skipped = 0;
        foreach (string program in programs)
        {
            string? source = SourceOf(program);
            Expectations expect;
            try
            {
                expect = source is null ? new Expectations() : ReadExpectations(source);
            }
            catch (UserError e)
            {
                failed++;
                output.WriteLine($"FAIL {program}: {e.Message}");
                continue;
            }
            if (!expect.Any)
            {
                // Not a test (a benchmark, the firmware, a disk another program reads): nothing to check it against.
                skipped++;
                output.WriteLine(source is null
                    ? $"SKIP {program}: no expectations (no .asm source beside it)"
                    : $"SKIP {program}: no expectations (no '; expect-output:', '; expect-exit:'... line in {source})");
                continue;
            }
            IReadOnlyList<string?> variants = expect.Variants.Count == 0 ? [null] : expect.Variants.Cast<string?>().ToList();
            foreach (string? variant in variants)
            {
                string name = variant is null ? program : $"{program} [{variant}]";
                string? failure;
                string? log = null;
                try
                {
                    failure = RunOne(program, source!, expect, variant, interruption, out log);
                }
                catch (UserError e)
                {
                    failure = e.Message;
                }
                if (interruption.Requested)
                {
                    // The program did not fail: it was stopped. Say which, and stop testing.
                    output.Flush();
                    Console.Error.WriteLine($"emu: {interruption.Verb} while testing {name} ({passed} passed, {failed} failed before it)");
                    return interruption.ExitCode;
                }
                if (failure is null)
                {
                    passed++;
                    output.WriteLine($"PASS {name}");
                }
                else
                {
                    failed++;
                    output.WriteLine($"FAIL {name}: {failure}");
                    if (options.Verbose && log is not null)
                        output.Write(log);
                }
                output.Flush();
            }
        }
        output.WriteLine(skipped == 0 ? $"{passed} passed, {failed} failed" : $"{passed} passed, {failed} failed, {skipped} skipped (no expectations)");
        return failed == 0 ? ExitCodes.Success : ExitCodes.HostError;
    }

    /// <summary>The .asm a program's expectations come from: itself, or the .asm beside a .bin or .img; null if none.</summary>
    private static string? SourceOf(string program)
    {
        if (Path.GetExtension(program).Equals(".asm", StringComparison.OrdinalIgnoreCase))
            return program;
        string beside = Path.ChangeExtension(program, ".asm");
        return File.Exists(beside) ? beside : null;
    }

    // Each .asm once (its committed .bin is the same program). A .bin or .img without a source has no
    // expectations (it may be a disk another program uses): only named on the command line is it run.
    private static IEnumerable<string> FindPrograms(string directory) =>
        Directory.GetFiles(directory, "*.asm", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private sealed class Expectations
    {
        public List<string> Output { get; } = [];
        public List<string> Serial { get; } = [];
        public List<string> Screen { get; } = [];
        public int? Exit { get; set; }
        public List<string> Options { get; } = [];
        public bool Boot { get; set; }
        /// <summary>Disk images beside the source and the option that attaches each (--disk, --virtio-disk).</summary>
        public List<(string Path, string Option)> Disks { get; } = [];
        public List<string> Variants { get; } = [];
        public bool Any => Output.Count + Serial.Count + Screen.Count > 0 || Exit is not null;
    }

    /// <summary>Runs one program (with a variant's extra options); null when it met its expectations, else why not.</summary>
    private static string? RunOne(string program, string source, Expectations expect, string? variant, Interruption interruption, out string? log)
    {
        log = null;
        string ext = Path.GetExtension(program).ToLowerInvariant();

        string scratch = Path.Combine(Path.GetTempPath(), $"emu-test-{Guid.NewGuid():N}.bin");
        var scratchDisks = new List<string>();
        try
        {
            string image;
            if (ext == ".asm")
            {
                string? error = Assemble(source, scratch);
                if (error is not null)
                    return error;
                image = scratch;
            }
            else
            {
                File.Copy(program, scratch);
                image = scratch;
            }

            long size = new FileInfo(image).Length;
            bool boot = expect.Boot || ext == ".img" || BiosDrive.IsFloppySize(size);
            var args = new List<string> { boot ? "boot" : "run", image };
            args.AddRange(expect.Options);
            if (variant is not null)
                args.AddRange(variant.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            foreach (var (disk, option) in expect.Disks)
            {
                if (!File.Exists(disk))
                    return $"its '; {option[2..]}:' image '{disk}' does not exist";
                string copy = Path.Combine(Path.GetTempPath(), $"emu-test-{Guid.NewGuid():N}.img");
                File.Copy(disk, copy);
                scratchDisks.Add(copy);
                args.AddRange([option, copy.Replace(",", ",,", StringComparison.Ordinal)]);
            }
            if (!args.Contains("--max-instructions"))
                args.AddRange(["--max-instructions", DefaultMaxInstructions.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (!args.Contains("--timeout"))
                args.AddRange(["--timeout", DefaultTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

            var parser = new Parser(s =>
            {
                s.HelpWriter = null;
                s.AllowMultiInstance = true;
            });
            MachineOptions? options = null;
            parser.ParseArguments<RunOptions, BootOptions>(args).WithParsed(o => options = o as MachineOptions);
            if (options is null)
                return $"bad '; emu-options:' or '; emu-variant:' line in {source}: {string.Join(' ', expect.Options)} {variant}";

            using var console = new MemoryStream();
            using var serial = new MemoryStream();
            RunOutcome outcome;
            IReadOnlyList<string> screen;
            using (var session = MachineSession.Create(options, boot ? image : null, new MachineSession.Capture(console, serial)))
            {
                if (!boot)
                {
                    var run = (RunOptions)options;
                    if (!SegmentedAddress.TryParse(run.LoadAddress, out var at))
                        return $"bad --load-address '{run.LoadAddress}'";
                    session.LoadProgram(InputFiles.ReadAll(image, "program"), at, program);
                }
                outcome = session.Run(interruption);
                screen = session.Machine.Display.TextLines();
            }

            string printed = Encoding.Latin1.GetString(console.ToArray()).Replace("\r", "", StringComparison.Ordinal);
            string sent = Encoding.Latin1.GetString(serial.ToArray()).Replace("\r", "", StringComparison.Ordinal);
            log = $"  exit status {outcome.ExitCode}: {outcome.Message}\n" + Indent("E9h", printed) + Indent("COM1", sent)
                + "  screen:\n" + string.Concat(screen.Select(l => $"    |{l}\n"));

            return CompareLines("output", printed, expect.Output)
                ?? (expect.Serial.Count > 0 ? CompareLines("serial", sent, expect.Serial) : null)
                ?? CheckScreen(screen, expect.Screen)
                ?? (outcome.ExitCode != (expect.Exit ?? 0)
                    ? $"exit status {outcome.ExitCode}, expected {expect.Exit ?? 0} ({outcome.Message})"
                    : null);
        }
        finally
        {
            File.Delete(scratch);
            foreach (string disk in scratchDisks)
                File.Delete(disk);
        }
    }

    private static string Indent(string what, string text) =>
        text.Length == 0 ? $"  {what}: nothing\n" : $"  {what}:\n" + string.Concat(text.TrimEnd('\n').Split('\n').Select(l => $"    |{l}\n"));

    private static Expectations ReadExpectations(string source)
    {
        var expect = new Expectations();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"cannot read '{source}': {e.Message}");
        }
        foreach (string raw in lines)
        {
            string line = raw.TrimStart();
            if (!line.StartsWith(';'))
                continue;
            line = line[1..].TrimStart();
            if (Value(line, "expect-output:") is { } output)
                expect.Output.Add(output);
            else if (Value(line, "expect-serial:") is { } serial)
                expect.Serial.Add(serial);
            else if (Value(line, "expect-screen:") is { } screen)
                expect.Screen.Add(screen);
            else if (Value(line, "expect-exit:") is { } exit)
                expect.Exit = int.TryParse(exit.Trim(), out int n) ? n : throw new UserError($"{source}: '; expect-exit: {exit}' is not a number");
            else if (Value(line, "virtio-disk:") is { } virtioDisk)
                expect.Disks.Add((Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, virtioDisk.Trim()), "--virtio-disk"));
            else if (Value(line, "disk:") is { } disk)
                expect.Disks.Add((Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, disk.Trim()), "--disk"));
            else if (Value(line, "emu-verb:") is { } verb)
                expect.Boot = verb.Trim() == "boot" ? true : verb.Trim() == "run" ? false : throw new UserError($"{source}: '; emu-verb: {verb}' is not run or boot");
            else if (Value(line, "emu-options:") is { } opts)
                expect.Options.AddRange(opts.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            else if (Value(line, "emu-variant:") is { } variant)
                expect.Variants.Add(variant.Trim().Length > 0 ? variant.Trim() : throw new UserError($"{source}: an empty '; emu-variant:' line"));
        }
        return expect;
    }

    // "key: text" -> "text" (one space after the colon is the separator; the rest is kept).
    private static string? Value(string line, string key)
    {
        if (!line.StartsWith(key, StringComparison.Ordinal))
            return null;
        string rest = line[key.Length..];
        return rest.StartsWith(' ') ? rest[1..].TrimEnd() : rest.TrimEnd();
    }

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

    /// <summary>Assembles with nasm into <paramref name="output"/>; the error, or null.</summary>
    private static string? Assemble(string source, string output)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(source))!;
        var psi = new ProcessStartInfo("nasm")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string a in new[] { "-f", "bin", "-I", dir + "/", "-o", output, source })
            psi.ArgumentList.Add(a);
        string? include = FindInclude(dir);
        if (include is not null)
        {
            psi.ArgumentList.Add("-I");
            psi.ArgumentList.Add(include + "/");
        }
        try
        {
            using var nasm = Process.Start(psi)!;
            string errors = nasm.StandardError.ReadToEnd();
            nasm.StandardOutput.ReadToEnd();
            nasm.WaitForExit();
            if (nasm.ExitCode != 0)
                return $"nasm failed: {errors.Trim().Split('\n')[0]}";
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            string bin = Path.ChangeExtension(source, ".bin");
            if (File.Exists(bin))
            {
                File.Copy(bin, output, overwrite: true);
                return null; // no nasm: the committed image built from this source
            }
            return "nasm is not on PATH (apt-get install -y nasm) and there is no .bin beside the source";
        }
    }

    // guest-images/include above the source, as tools/build-guest-images.sh passes it.
    private static string? FindInclude(string dir)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            if (d.Name == "guest-images")
                return Path.Combine(d.FullName, "include");
        }
        return null;
    }
}
