using Emu.Tooling.Bench;

namespace Emu.Cli.Verbs;

/// <summary>
/// How a bench verb (emu bench io, and with --guests the multi-guest bench) reports its rows, the same for every
/// bench: a progress line as each row is done (with --json, the row's JSON line on stdout), the table at the end
/// (without --json), the --chart, and each problem found (checksums that disagree...) on stderr.
/// </summary>
internal sealed record BenchRows<T>(
    Func<T, string> Done, Func<T, string> Json, Action<IReadOnlyList<T>, TextWriter> Table, Func<IReadOnlyList<T>, string> Chart,
    Func<IReadOnlyList<T>, List<string>> Problems)
{
    /// <summary>Runs <paramref name="bench"/> (<paramref name="rows"/> rows, each passed to the callback as it is
    /// done) and writes what it measured; the rows, and whether no problem was found.</summary>
    public (List<T> Rows, bool Clean) Report(Func<Action<T>, List<T>> bench, int rows, BenchOptions o, TextWriter output)
    {
        List<T> results;
        try
        {
            using var progress = new Progress();
            int done = 0;
            results = bench(r =>
            {
                progress.Report($"[{++done}/{rows}] {Done(r)} done");
                if (o.Json)
                {
                    progress.Clear();
                    output.WriteLine(Json(r));
                }
            });
        }
        catch (IoBenchException e)
        {
            throw new UserError($"bench io: {e.Message}");
        }
        if (!o.Json)
            Table(results, output);
        if (o.Chart is { } chart)
            WriteChart(chart, Chart(results));
        var problems = Problems(results);
        foreach (var line in problems)
            Console.Error.WriteLine($"emu: bench io: {line}");
        return (results, problems.Count == 0);
    }

    private static void WriteChart(string path, string svg)
    {
        try
        {
            File.WriteAllText(path, svg);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"--chart: cannot write '{path}': {e.Message}");
        }
    }
}
