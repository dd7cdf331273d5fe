namespace Emu.Tooling.Bench;

/// <summary>The middle of a set of timed runs: what every benchmark and <c>emu report</c> report, as one slow run on
/// a busy machine moves it less than it moves the mean. For an even count it is the mean of the two middle values,
/// the usual definition, so it does not lean towards the slower or the faster half.</summary>
public static class Median
{
    public static double Of(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>The median of host clock ticks, rounded to a whole tick.</summary>
    public static long Of(IEnumerable<long> ticks) => (long)Math.Round(Of(ticks.Select(t => (double)t).ToList()));
}
