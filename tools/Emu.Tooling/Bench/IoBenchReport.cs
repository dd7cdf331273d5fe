using System.Globalization;
using System.Text;
using System.Text.Json;
using Emu.Hypervisor;

namespace Emu.Tooling.Bench;

/// <summary>The bench's outputs: a table, one JSON object per result, an SVG bar chart, and the checksum check.</summary>
public static class IoBenchReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string ToJson(IoBenchResult result) => JsonSerializer.Serialize(result, JsonOptions);

    /// <summary>One line per workload whose paths disagree on the checksum (reads: the data; writes: the image).</summary>
    public static List<string> ChecksumDisagreements(IEnumerable<IoBenchResult> results)
    {
        var lines = new List<string>();
        foreach (var group in results.GroupBy(r => r.Workload))
        {
            var distinct = group.Select(r => r.Checksum).Distinct().ToList();
            if (distinct.Count > 1)
                lines.Add($"{group.Key}: the paths disagree on the data: " + string.Join(", ", group.Select(r => $"{r.Path} {r.Checksum[..12]}")));
        }
        return lines;
    }

    public static void WriteTable(IReadOnlyList<IoBenchResult> results, TextWriter w)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var group in results.GroupBy(r => r.Workload))
        {
            var first = group.First();
            w.WriteLine(string.Create(inv, $"workload {group.Key}: {first.Requests} requests, {first.Bytes / 1024.0:0.#} KiB, {first.Runs} runs"));
            w.WriteLine($"{"path",-16}{"guest instr",12}{"exits",10}{"exits/req",11}{"exits/MiB",11}{"io",10}{"mmio",8}{"irqs",7}{"virt ms",9}{"host ns/MiB",16}{"ns/exit",10}{"vs pio",8}  checksum");
            double? pio = group.FirstOrDefault(r => r.Path == "ata-pio")?.HostNsPerMiB;
            foreach (var r in group)
            {
                string ratio = pio is double p && r.HostNsPerMiB > 0 ? string.Create(inv, $"{p / r.HostNsPerMiB:0.0}x") : "-";
                w.WriteLine(string.Create(inv,
                    $"{r.Path,-16}{r.GuestInstructions,12:N0}{r.Exits,10:N0}{r.ExitsPerRequest,11:0.##}{r.ExitsPerMiB,11:N0}{r.ExitsByReason.GetValueOrDefault("io"),10:N0}{r.ExitsByReason.GetValueOrDefault("mmio"),8:N0}{r.InterruptsDelivered,7:N0}{r.VirtualTimeNs / 1e6,9:0.00}{r.HostNsPerMiB,16:N0}{r.HostNsPerExit,10:N0}{ratio,8}  {r.Checksum[..12]}"));
            }
            bool agree = group.Select(r => r.Checksum).Distinct().Count() == 1;
            w.WriteLine(agree ? "checksums agree across paths" : "CHECKSUMS DISAGREE");
            w.WriteLine();
        }
    }

    /// <summary>Per workload, two panels of bars per path: exits (log scale) and host ns per MiB (log scale).</summary>
    public static string ToSvg(IReadOnlyList<IoBenchResult> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var groups = results.GroupBy(r => r.Workload).ToList();
        var paths = results.Select(r => r.Path).Distinct().ToList();
        const int barH = TwoPanelBarChart.BarHeight, gap = 4, labelW = 120, plotW = 300, panelGap = 60, top = 50;
        int groupH = paths.Count * (barH + gap) + 40;
        int width = labelW + 2 * plotW + panelGap + 140;
        int height = top + groups.Count * groupH + 20;
        string[] colours = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad", "#7f8c8d", "#16a085", "#2c3e50"];
        double maxExits = Math.Max(10, results.Max(r => (double)r.Exits));
        double maxNs = Math.Max(10, results.Max(r => r.HostNsPerMiB));
        double minNs = Math.Max(1, results.Where(r => r.HostNsPerMiB > 0).Select(r => r.HostNsPerMiB).DefaultIfEmpty(1).Min() / 2);

        var chart = new TwoPanelBarChart(width, height, labelW, plotW, panelGap, "emu bench io: VM exits and host time per MiB, by IO path",
            "VM exits in the IO phase (log scale)", "host ns per MiB, median (log scale)");
        int y = top;
        foreach (var group in groups)
        {
            chart.Group(y, group.Key);
            int by = y + 20;
            foreach (var r in group)
            {
                string colour = colours[Math.Max(0, paths.IndexOf(r.Path)) % colours.Length];
                double ew = r.Exits <= 0 ? 0 : plotW * Math.Log10(1 + r.Exits) / Math.Log10(1 + maxExits);
                double nw = r.HostNsPerMiB <= minNs ? 1 : plotW * Math.Log10(r.HostNsPerMiB / minNs) / Math.Log10(maxNs / minNs);
                chart.Row(by, 10, r.Path, colour, ew, r.Exits.ToString("N0", inv), nw, r.HostNsPerMiB.ToString("N0", inv));
                by += barH + gap;
            }
            y += groupH;
        }
        return chart.ToString();
    }
}
