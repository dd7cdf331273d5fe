using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Emu.Tooling.Bench;

/// <summary>The multi-guest bench's outputs: a table, one JSON object per row, an SVG chart, the checksum check.</summary>
public static class MultiGuestOutput
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string ToJson(MultiGuestResult result) => JsonSerializer.Serialize(result, JsonOptions);

    /// <summary>A guest's report as `emu bench io-guest` prints it, and back.</summary>
    public static string ToJson(MultiGuestReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static MultiGuestReport? ParseReport(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<MultiGuestReport>(line, JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One line per row whose guests' sums differ from the host's sums of their windows, or whose requests failed.</summary>
    public static List<string> Problems(IEnumerable<MultiGuestResult> results)
    {
        var lines = new List<string>();
        foreach (var r in results)
        {
            if (!r.ChecksumsMatch)
                lines.Add($"{r.Model} with {r.Guests} guests: the guests' sums {string.Join(" ", r.Checksums)} are not the image's {string.Join(" ", r.ExpectedChecksums)}");
            if (r.FailedRequests != 0)
                lines.Add($"{r.Model} with {r.Guests} guests: {r.FailedRequests} requests failed");
        }
        return lines;
    }

    public static void WriteTable(IReadOnlyList<MultiGuestResult> results, TextWriter w)
    {
        var inv = CultureInfo.InvariantCulture;
        if (results.Count == 0)
            return;
        var first = results[0];
        w.WriteLine(string.Create(inv, $"workload {first.Workload}: each guest reads its {first.WindowBytes / 1024} KiB window of one image {first.Passes} times in 4 KiB requests"));
        w.WriteLine($"{"model",-13}{"guests",7}{"MiB/s",9}{"p50 us",9}{"p99 us",9}{"p50 vus",9}{"p99 vus",9}{"exits/req",11}{"CPU s",8}{"fairness",10}  checksums");
        foreach (var r in results)
        {
            string sums = string.Join(" ", r.Checksums.Select(c => c[..8])) + (r.ChecksumsMatch ? " ok" : " WRONG");
            w.WriteLine(string.Create(inv,
                $"{r.Model,-13}{r.Guests,7}{r.MibPerSecond,9:0.00}{r.P50Us,9:0.0}{r.P99Us,9:0.0}{r.P50VirtualUs,9:0.0}{r.P99VirtualUs,9:0.0}{r.ExitsPerRequest,11:0.###}{r.HostCpuSeconds,8:0.00}{r.Fairness,10:0.00}  {sums}"));
        }
        w.WriteLine("p50/p99 us: host time per request; vus: guest-virtual time. CPU s: user + system of every guest's phase and the device server.");
    }

    /// <summary>Two panels of bars per (model, guests): aggregate MiB/s, and host CPU milliseconds per MiB moved.</summary>
    public static string ToSvg(IReadOnlyList<MultiGuestResult> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var models = results.Select(r => r.Model).Distinct().ToList();
        const int barH = TwoPanelBarChart.BarHeight, gap = 4, labelW = 150, plotW = 300, panelGap = 70, top = 50;
        int width = labelW + 2 * plotW + panelGap + 80;
        int height = top + results.Count * (barH + gap) + models.Count * 16 + 20;
        string[] colours = ["#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#e67e22"];
        double CpuMsPerMiB(MultiGuestResult r) => r.Bytes == 0 ? 0 : r.HostCpuSeconds * 1000 / (r.Bytes / (1024.0 * 1024));
        double maxRate = Math.Max(1e-9, results.Max(r => r.MibPerSecond));
        double maxCpu = Math.Max(1e-9, results.Max(CpuMsPerMiB));
        var chart = new TwoPanelBarChart(width, height, labelW, plotW, panelGap, "emu bench io --guests: several guests sharing one device, by model",
            "aggregate MiB/s (all guests)", "host CPU ms per MiB (all processes)");
        int y = top;
        foreach (var model in models)
        {
            chart.Group(y, model);
            y += 16;
            foreach (var r in results.Where(r => r.Model == model))
            {
                string colour = colours[models.IndexOf(model) % colours.Length];
                double rw = plotW * r.MibPerSecond / maxRate, cw = plotW * CpuMsPerMiB(r) / maxCpu;
                chart.Row(y, 20, $"{r.Guests} guest{(r.Guests == 1 ? "" : "s")}", colour,
                    rw, r.MibPerSecond.ToString("0.0", inv), cw, CpuMsPerMiB(r).ToString("0.0", inv));
                y += barH + gap;
            }
        }
        return chart.ToString();
    }
}
