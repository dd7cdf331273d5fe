namespace Emu.Io.Timing;

/// <summary>Converts a count of one clock into a count of another exactly in 64-bit arithmetic (the whole
/// periods of the source clock and the remainder are scaled apart, so no product overflows). Int128 would do
/// the same, but its operators are not precompiled and were JIT-compiled at every start-up.</summary>
internal static class RateScale
{
    /// <summary><paramref name="count"/> × <paramref name="toHz"/> / <paramref name="fromHz"/>, rounded down
    /// (<paramref name="count"/> is not negative).</summary>
    public static long Down(long count, long fromHz, long toHz)
    {
        long whole = Math.DivRem(count, fromHz, out long rest);
        return whole * toHz + rest * toHz / fromHz;
    }

    /// <summary><paramref name="count"/> × <paramref name="toHz"/> / <paramref name="fromHz"/>, rounded up
    /// (<paramref name="count"/> is not negative); <see cref="long.MaxValue"/> where that does not fit.</summary>
    public static long Up(long count, long fromHz, long toHz)
    {
        long whole = Math.DivRem(count, fromHz, out long rest);
        long fraction = (rest * toHz + fromHz - 1) / fromHz;
        return whole > (long.MaxValue - fraction) / toHz ? long.MaxValue : whole * toHz + fraction;
    }
}
