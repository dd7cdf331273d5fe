using Emu.Io.Timing;

namespace Emu.Io.Tests;

/// <summary>The PIT's and the RTC's clock conversions give exactly what 128-bit arithmetic gives.</summary>
public class RateScaleTests
{
    private static readonly (long From, long To)[] Rates =
        [(1_000_000_000, 1_193_182), (1_193_182, 1_000_000_000), (1_000_000_000, 32768), (32768, 1_000_000_000)];

    [Fact]
    public void Every_conversion_equals_the_exact_128_bit_result()
    {
        var random = new Random(19);
        var counts = new List<long> { 0, 1, 999_999_999, 1_000_000_000, 1_193_181, 1_193_182, 32767, 32768,
            long.MaxValue / 1_000_000_000, long.MaxValue / 1_193_182, long.MaxValue - 1, long.MaxValue };
        for (int i = 0; i < 20_000; i++)
            counts.Add(random.NextInt64(0, i % 2 == 0 ? 1L << 50 : long.MaxValue));
        foreach (var (from, to) in Rates)
        foreach (long count in counts)
        {
            Int128 down = (Int128)count * to / from;
            Int128 up = ((Int128)count * to + from - 1) / from;
            if (down <= long.MaxValue)
                RateScale.Down(count, from, to).Should().Be((long)down, $"{count} × {to} / {from} rounded down");
            RateScale.Up(count, from, to).Should().Be(up > long.MaxValue ? long.MaxValue : (long)up,
                $"{count} × {to} / {from} rounded up");
        }
    }
}
