using System.Text.Json;
using Emu.Hypervisor.Bench;

namespace Emu.Cli.Verbs;

/// <summary>
/// `emu bench cpu`: runs the shipped benchmark loops (guest-images/bench) to HLT several times and
/// prints MIPS and ns per OUT exit, medians of the timed runs (one warm-up run first; only the run
/// itself is timed, so start-up is excluded). By default on the whole machine: every OUT is a VM
/// exit through the VMM with statistics counting and tracing off.
/// </summary>
public static class BenchCpuVerb
{
    public static int Run(BenchOptions o, TextWriter output)
    {
        if (o.Runs is < 1 or > 1000)
            throw new UserError("--runs must be between 1 and 1000", ExitCodes.Usage);
        var guests = string.IsNullOrWhiteSpace(o.Guests)
            ? [.. CpuBenchmark.Guests]
            : o.Guests.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        foreach (var g in guests.Where(g => !CpuBenchmark.Guests.Contains(g)))
            throw new UserError($"--guests: unknown guest '{g}' (use {string.Join(", ", CpuBenchmark.Guests)})", ExitCodes.Usage);

        if (!o.Json)
            output.WriteLine($"{"guest",-14}{"instructions",15}{"median ms",11}{"MIPS",9}{"best MIPS",11}{"ns/OUT",9}   ({(o.Bare ? "bare CPU core" : "whole machine, statistics on, tracing off")}, {o.Runs} runs)");
        foreach (string guest in guests)
        {
            var r = CpuBenchmark.Measure(guest, CpuBenchmark.LoadGuest(guest), o.Runs, bare: o.Bare);
            if (o.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    guest = r.Name,
                    mode = o.Bare ? "bare" : "machine",
                    runs = o.Runs,
                    instructions = r.Instructions,
                    outs = r.PortWrites,
                    medianSeconds = r.MedianSeconds,
                    mips = Math.Round(r.Mips, 1),
                    bestMips = Math.Round(r.BestMips, 1),
                    cpuTimeMips = Math.Round(r.CpuMips, 1),
                    nsPerOut = r.PortWrites == 0 ? (double?)null : Math.Round(r.NsPerPortWrite, 2),
                }));
            }
            else
            {
                string ns = r.PortWrites == 0 ? "-" : r.NsPerPortWrite.ToString("F2");
                output.WriteLine($"{r.Name,-14}{r.Instructions,15:N0}{r.MedianSeconds * 1000,11:F1}{r.Mips,9:F1}{r.BestMips,11:F1}{ns,9}");
            }
        }
        return ExitCodes.Success;
    }
}
