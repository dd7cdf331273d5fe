namespace Emu.Io.Cmos;

/// <summary>Packed BCD for the RTC's registers. Invalid digits decode to a value out of range, never throw.</summary>
internal static class Bcd
{
    public static byte Encode(int value) => (byte)((value / 10 % 10) << 4 | value % 10);

    public static int Decode(byte bcd) => (bcd >> 4) * 10 + (bcd & 0x0F);
}
