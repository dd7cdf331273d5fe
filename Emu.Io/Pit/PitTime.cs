using Emu.Io.Timing;

namespace Emu.Io.Pit;

/// <summary>Conversions between virtual nanoseconds and ticks of the PIT's 1.193182 MHz input clock.</summary>
internal static class PitTime
{
    /// <summary>The PC's PIT input: the 14.31818 MHz NTSC crystal divided by 12.</summary>
    public const long InputHz = 1_193_182;

    private const long NsPerSecond = 1_000_000_000;

    /// <summary>Whole ticks elapsed by <paramref name="ns"/> (rounded down).</summary>
    public static long TicksAt(long ns) => RateScale.Down(ns, NsPerSecond, InputHz);

    /// <summary>The earliest virtual time at which <see cref="TicksAt"/> reaches <paramref name="ticks"/> (rounded up).</summary>
    public static long NsOfTick(long ticks) => RateScale.Up(ticks, InputHz, NsPerSecond);
}
