using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Emu.Hypervisor;
using Emu.Tooling;
using Emu.Tooling.Bench;

namespace Emu.Cli.Verbs;

/// <summary>
/// `emu bench cpu [FILE...]`: runs flat guests (the shipped ones in guest-images/bench, or the files given)
/// to HLT several times and reports each three ways, medians of the timed runs:
/// <list type="bullet">
/// <item>process: `emu run FILE` as a user runs it, a child process timed from start to exit (start-up,
/// the firmware's POST, the guest, shutdown); instructions from its own count, the POST's included;</item>
/// <item>machine: the whole machine in this process without firmware, only the run timed (every OUT a VM
/// exit through the VMM, statistics on, tracing off);</item>
/// <item>core: the CPU alone with an exit handler that only counts, only the run timed.</item>
/// </list>
/// The process column beside the other two shows what start-up and the firmware cost a guest.
/// </summary>
public static partial class BenchCpuVerb
{
    private sealed record Guest(string Name, byte[] Image, string Path);

    public static int Run(BenchOptions o, TextWriter output)
    {
        if (o.Runs is < 1 or > 1000)
            throw new UserError("--runs must be between 1 and 1000", ExitCodes.Usage);
        if (o.Timeout is not (> 0 and <= 86_400))
            throw new UserError("--timeout must be more than 0 and at most 86400 seconds", ExitCodes.Usage);
        var files = o.Files.ToList();
        if (files.Count > 0 && o.Guests is not null)
            throw new UserError("give either FILE arguments or --guests, not both", ExitCodes.Usage);

        using var scratch = new ScratchFolder("emu-bench-cpu-");
        var guests = files.Count > 0
            ? files.Select(f => new Guest(Path.GetFileName(f), InputFiles.ReadAll(f, "guest"), f)).ToList()
            : ShippedGuests(o.Guests).Select(name => WriteGuest(scratch, name)).ToList();

        if (!o.Json)
        {
            output.WriteLine($"{o.Runs} runs each; ms and MIPS from the median run's wall time, cpu: MIPS from its CPU time; ns/OUT through the VMM (machine), for guests where OUTs are at least 10 % of the instructions");
            output.WriteLine($"{"",-32}{"--- emu run process ---",-26}{"--- machine ---",-26}{"--- core ---",-26}");
            output.WriteLine($"{"guest",-18}{"instructions",14}{"ms",8}{"MIPS",9}{"cpu",9}{"ms",8}{"MIPS",9}{"cpu",9}{"ms",8}{"MIPS",9}{"cpu",9}{"ns/OUT",8}");
        }
        using var progress = new Progress();
        foreach (var (guest, index) in guests.Select((g, i) => (g, i)))
        {
            progress.Report($"[{index + 1}/{guests.Count}] {guest.Name}: measuring through emu run, the machine and the core ({o.Runs} runs each)");
            var process = MeasureProcess(guest, o.Runs, o.Timeout);
            // The guest halted in the process; in this one it gets twice that many instructions to halt.
            long budget = 2 * process.Instructions + 1_000_000;
            var machine = Measure(guest, o.Runs, bare: false, budget);
            var core = Measure(guest, o.Runs, bare: true, budget);
            if (o.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    guest = guest.Name,
                    runs = o.Runs,
                    instructions = machine.Instructions,
                    outs = machine.PortWrites,
                    nsPerOut = ExitBound(machine) ? Math.Round(machine.NsPerPortWrite, 2) : (double?)null,
                    process = Figures(process),
                    machine = Figures(machine),
                    core = Figures(core),
                }));
            }
            else
            {
                string ns = ExitBound(machine) ? machine.NsPerPortWrite.ToString("F2", CultureInfo.InvariantCulture) : "-";
                output.WriteLine($"{guest.Name,-18}{machine.Instructions,14:N0}{Cells(process)}{Cells(machine)}{Cells(core)}{ns,8}");
            }
        }
        return ExitCodes.Success;
    }

    // ns per OUT is the whole run divided by the OUTs: a figure for the exit path only where OUTs are a good part of the run.
    private static bool ExitBound(CpuBenchmarkResult r) => r.PortWrites * 10 >= r.Instructions;

    private static string Cells(CpuBenchmarkResult r) => $"{r.MedianSeconds * 1000,8:F0}{r.Mips,9:F1}{r.CpuMips,9:F1}";

    private static object Figures(CpuBenchmarkResult r) => new
    {
        instructions = r.Instructions,
        medianSeconds = Math.Round(r.MedianSeconds, 4),
        mips = Math.Round(r.Mips, 1),
        bestMips = Math.Round(r.BestMips, 1),
        cpuTimeMips = Math.Round(r.CpuMips, 1),
    };

    private static IEnumerable<string> ShippedGuests(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
            return CpuBenchmark.Guests;
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        foreach (var g in names.Where(g => !CpuBenchmark.Guests.Contains(g)))
            throw new UserError($"--guests: unknown guest '{g}' (use {string.Join(", ", CpuBenchmark.Guests)})", ExitCodes.Usage);
        return names;
    }

    private static CpuBenchmarkResult Measure(Guest guest, int runs, bool bare, long budget)
    {
        string where = bare ? "on the bare core" : "on the machine without firmware";
        CpuBenchmarkResult result;
        try
        {
            result = CpuBenchmark.Measure(guest.Name, guest.Image, runs, bare, budget);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
        {
            throw new UserError($"bench cpu: {guest.Path} {where}: {e.Message}");
        }
        if (result.Instructions >= budget)
            throw new UserError($"bench cpu: {guest.Path} {where} did not halt within {budget:N0} instructions, twice what it took under the firmware (does it need the BIOS?)");
        return result;
    }

    // With more than one run, one untimed run first (it warms the file cache), then the timed ones.
    private static CpuBenchmarkResult MeasureProcess(Guest guest, int runs, double timeout)
    {
        var seconds = new List<double>(runs);
        var cpuSeconds = new List<double>(runs);
        long instructions = 0;
        for (int run = CpuBenchmark.WarmUpRuns(runs); run < runs; run++)
        {
            double childCpuBefore = ChildrenCpuSeconds();
            var psi = SelfProcess.StartInfo("run", guest.Path, "--stats", "--debugcon", "none",
                "--timeout", timeout.ToString(CultureInfo.InvariantCulture));
            long start = Stopwatch.GetTimestamp();
            using var process = Process.Start(psi) ?? throw new UserError("bench cpu: cannot start emu run");
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var retired = RetiredLine().Match(stderr);
            if (process.ExitCode == RunOutcome.LimitExitCode)
                throw new UserError($"bench cpu: 'emu run {guest.Path}' did not halt within {timeout} s (--timeout)");
            if (process.ExitCode != 0 || !retired.Success)
                throw new UserError($"bench cpu: 'emu run {guest.Path}' did not halt cleanly (exit status {process.ExitCode}): {FirstLine(stderr)}");
            _ = stdout.Result;
            instructions = long.Parse(retired.Groups[1].Value.Replace(",", ""), CultureInfo.InvariantCulture);
            if (run >= 0)
            {
                seconds.Add(elapsed);
                cpuSeconds.Add(ChildrenCpuSeconds() - childCpuBefore);
            }
        }
        return new CpuBenchmarkResult(guest.Name, instructions, 0, seconds, cpuSeconds);
    }

    // User plus system time of the waited-for child processes, all threads (getrusage RUSAGE_CHILDREN): on a busy
    // machine wall time counts the other jobs too, CPU time does not.
    private static double ChildrenCpuSeconds()
    {
        const int RusageChildren = -1;
        Span<long> usage = stackalloc long[18]; // struct rusage: two timevals, then fourteen longs
        unsafe
        {
            fixed (long* p = usage)
            {
                if (GetResourceUsage(RusageChildren, p) != 0)
                    return double.NaN;
            }
        }
        return usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static unsafe partial int GetResourceUsage(int who, long* usage);

    /// <summary>A shipped guest as a file in the scratch folder, for `emu run` to read.</summary>
    private static Guest WriteGuest(ScratchFolder scratch, string name)
    {
        byte[] image = CpuBenchmark.LoadGuest(name);
        string file = scratch[name + ".bin"];
        File.WriteAllBytes(file, image);
        return new Guest(name, image, file);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    [GeneratedRegex(@"instructions retired\s+([\d,]+)")]
    private static partial Regex RetiredLine();
}
