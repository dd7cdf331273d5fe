using System.Globalization;
using System.Text.Json;

namespace Emu.Cli;

/// <summary>
/// The timeline of one request for `emu report`: read from a run's JSON-lines trace (the format users get with
/// `--trace FILE --trace-format jsonl`), the steps of the driver call that FREAD's read made with the most exits (the last of equals)
/// (the data request, not the FAT or directory sector before it), in order: the layers entered and left, each VM
/// exit with the device register it reached, what the device and the host backend did, the interrupts. Runs of the
/// same step (a PIO sector's 256 data words) are one step with a count.
/// </summary>
internal static class RequestTimeline
{
    /// <summary>One step: instructions since the request began, nesting below the driver, what happened, how many
    /// times in a row, and the host time those took (nanoseconds; 0 where the trace has none).</summary>
    public sealed record Step(long Instructions, int Depth, string What, int Count, long HostNs);

    /// <summary>The most steps a page shows per driver; the rest are summed in one last step.</summary>
    public const int MaxSteps = 60;

    public static IReadOnlyList<Step> FromJsonl(string path)
    {
        var layers = new List<string>();
        List<JsonElement>? window = null, best = null;
        int windowDepth = 0, bestExits = -1;
        foreach (string line in File.ReadLines(path))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            string kind = Text(e, "kind");
            if (kind == "layer")
            {
                string layer = Text(e, "detail");
                if (Text(e, "dir") == "enter")
                {
                    layers.Add(layer);
                    if (window is null && layer == "driver" && layers.Contains("application"))
                    {
                        window = [];
                        windowDepth = layers.Count;
                    }
                }
                else if (layers.Count > 0)
                {
                    window?.Add(e.Clone()); // kept past this line's document: a copy
                    layers.RemoveRange(Math.Max(0, layers.Count - Ended(e)), Math.Min(layers.Count, Ended(e)));
                    if (window is not null && layers.Count < windowDepth)
                    {
                        int exits = window.Count(x => Text(x, "kind") == "exit");
                        if (exits >= bestExits) // on a tie the later call: the data follows the FAT and directory sectors
                            (best, bestExits) = (window, exits);
                        window = null;
                    }
                    continue;
                }
            }
            window?.Add(e.Clone()); // kept past this line's document: a copy
        }
        return best is null ? [] : Steps(best);
    }

    private static IReadOnlyList<Step> Steps(List<JsonElement> events)
    {
        long start = events[0].GetProperty("t").GetInt64();
        int depth = 0;
        var steps = new List<Step>();
        foreach (var e in events)
        {
            string kind = Text(e, "kind");
            long t = e.GetProperty("t").GetInt64() - start;
            long host = e.TryGetProperty("hostNs", out var h) ? h.GetInt64() : 0;
            if (kind == "layer")
            {
                bool enter = Text(e, "dir") == "enter";
                if (!enter)
                    depth = Math.Max(0, depth - Ended(e));
                steps.Add(new Step(t, depth, $"{(enter ? "enter" : "leave")} {Text(e, "detail")}", 1, 0));
                if (enter)
                    depth++;
                continue;
            }
            string what = kind switch
            {
                "exit" when Text(e, "reason") == "hypercall" => $"exit: {Text(e, "detail")}",
                "exit" => $"exit: {Text(e, "dir")} {Text(e, "device")}.{Text(e, "reg")}",
                "device" => $"{Text(e, "device")}: {Text(e, "detail")}",
                "interrupt" => $"interrupt: {Text(e, "detail")}",
                _ => $"{kind}: {Text(e, "detail")}",
            };
            if (steps.Count > 0 && steps[^1] is { } last && last.What == what && last.Depth == depth)
                steps[^1] = last with { Count = last.Count + 1, HostNs = last.HostNs + host };
            else
                steps.Add(new Step(t, depth, what, 1, host));
        }
        if (steps.Count <= MaxSteps)
            return steps;
        var rest = steps.Skip(MaxSteps - 1).ToList();
        var shown = steps.Take(MaxSteps - 1).ToList();
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"... {rest.Count:N0} more steps ({rest.Where(s => s.What.StartsWith("exit", StringComparison.Ordinal)).Sum(s => s.Count):N0} exits)");
        shown.Add(new Step(rest[0].Instructions, 0, summary, 1, rest.Sum(s => s.HostNs)));
        return shown;
    }

    // A leave ends this many layers (the inner ones a guest left without marking, too).
    private static int Ended(JsonElement e) => e.TryGetProperty("value", out var v) && v.TryGetInt32(out int n) && n > 0 ? n : 1;

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.ToString() : "";
}
