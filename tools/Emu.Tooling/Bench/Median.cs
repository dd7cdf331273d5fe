namespace Emu.Tooling.Bench;

/// <summary>The middle of a set of timed runs (the mean of the two middle ones for an even count): what every
/// benchmark reports, as one slow run on a busy machine moves it less than it moves the mean.</summary>
internal static class Median
{
    public static double Of(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
