using System.Diagnostics;
using System.Text.Json;
using CommandLine;
using Emu.Cpu;
using Emu.Tooling.Conformance;

namespace Emu.Cli.Verbs;

[Verb("conformance", HelpText = "Run single-instruction CPU test vectors (SingleStepTests format) and report pass rates.")]
public sealed class ConformanceOptions
{
    [Value(0, MetaName = "DIR", Required = true, HelpText = "Directory of *.json.gz test files (metadata.json beside them gives flag masks), or one such file.")]
    public string Directory { get; set; } = "";

    [Option("cpu", Default = "8086", HelpText = "CPU model: 8086, 186, 286 or 386.")]
    public string Cpu { get; set; } = "8086";

    [Option("json", HelpText = "Print the results as one JSON object.")]
    public bool Json { get; set; }

    [Option("only", HelpText = "Run only files whose name starts with one of these prefixes (comma separated, e.g. 00,F6.6).")]
    public string? Only { get; set; }

    [Option("failures", Default = 0, HelpText = "Show up to N failing tests per file.")]
    public int Failures { get; set; }
}

public static class ConformanceVerb
{
    public static int Run(ConformanceOptions options, TextWriter output)
    {
        if (!CpuModels.TryParse(options.Cpu, out var model))
            throw new UserError($"unknown CPU model '{options.Cpu}' (use 8086, 186, 286 or 386)", ExitCodes.Usage);
        if (options.Failures < 0)
            throw new UserError("--failures must be 0 or more", ExitCodes.Usage);
        // DIR, or one of its files (its metadata.json is beside it).
        string directory = options.Directory;
        IReadOnlyList<string> files;
        switch (HostFile.KindOf(options.Directory))
        {
            case FileKind.Directory:
                files = ConformanceRunner.FindFiles(directory);
                if (files.Count == 0)
                    throw new UserError($"no *.json.gz test files in '{directory}'");
                break;
            case FileKind.Regular when options.Directory.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase):
                directory = Path.GetDirectoryName(Path.GetFullPath(options.Directory))!;
                files = [options.Directory];
                break;
            case FileKind.Missing:
                throw new UserError($"conformance directory '{options.Directory}' does not exist");
            case var kind:
                throw new UserError($"'{options.Directory}' is {ErrorWords.Of(kind)}: give a directory of *.json.gz test files or one such file");
        }
        if (options.Only is { Length: > 0 } only)
        {
            var prefixes = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int all = files.Count;
            files = files.Where(f => prefixes.Any(p => Path.GetFileName(f).StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();
            if (files.Count == 0)
                throw new UserError($"--only '{only}' matches none of the {all} test files in '{options.Directory}' (it takes file name prefixes, e.g. 00,F6.6)", ExitCodes.Usage);
        }

        var metadata = ConformanceMetadata.Load(directory);
        var runner = new ConformanceRunner(model, options.Failures);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<FileResult> results;
        using (var progress = new Progress())
            results = runner.RunFiles(files, metadata, (done, r) => progress.Report($"[{done}/{files.Count}] {r.File}: {r.Passed:N0} passed, {r.Failed:N0} failed"));
        clock.Stop();

        int passed = results.Sum(r => r.Passed);
        int failed = results.Sum(r => r.Failed);
        bool unreadable = results.Any(r => r.Error is not null);
        if (options.Json)
        {
            var json = new
            {
                cpu = model.Name(),
                directory = options.Directory,
                passed,
                failed,
                passRate = passed + failed == 0 ? 0 : (double)passed / (passed + failed),
                seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
                files = results.Select(r => new { file = r.File, passed = r.Passed, failed = r.Failed, error = r.Error, failures = r.FirstFailures }),
            };
            output.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        }
        else
        {
            foreach (var r in results)
            {
                output.WriteLine(r.Error is null ? $"{r.File} {r.Passed}/{r.Total}" : $"{r.File} error: {r.Error}");
                foreach (var f in r.FirstFailures)
                    output.WriteLine($"    {f}");
            }
            double rate = passed + failed == 0 ? 0 : 100.0 * passed / (passed + failed);
            output.WriteLine($"cpu {model.Name()}: {rate:F3}% of {passed + failed} tests in {files.Count} files, {clock.Elapsed.TotalSeconds:F1} s");
            output.WriteLine($"{passed} passed, {failed} failed");
        }
        return failed == 0 && !unreadable ? ExitCodes.Success : ExitCodes.HostError;
    }
}
