namespace Emu.Io.Keyboard;

/// <summary>
/// US-layout text to IBM scancode set 1 (what the 8042 hands the guest with translation on):
/// a make code per key, break = make | 0x80, shifted characters wrapped in left-shift make/break.
/// </summary>
public static class ScancodeSet1
{
    public const byte LeftShift = 0x2A;
    public const byte Enter = 0x1C;
    public const byte BreakBit = 0x80;

    private static readonly byte[] MakeCodes = new byte[128];
    private static readonly bool[] NeedsShift = new bool[128];

    static ScancodeSet1()
    {
        // The four rows of the main block, each a run of consecutive scancodes.
        Row(0x02, "1234567890-=", "!@#$%^&*()_+");
        Row(0x10, "qwertyuiop[]", "QWERTYUIOP{}");
        Row(0x1E, "asdfghjkl;'`", "ASDFGHJKL:\"~");
        Row(0x2B, "\\zxcvbnm,./", "|ZXCVBNM<>?");
        MakeCodes[' '] = 0x39;
        MakeCodes['\n'] = Enter;
        MakeCodes['\t'] = 0x0F;
        MakeCodes['\b'] = 0x0E;
        MakeCodes[0x1B] = 0x01; // Esc
    }

    private static void Row(byte first, string plain, string shifted)
    {
        for (int i = 0; i < plain.Length; i++)
        {
            MakeCodes[plain[i]] = (byte)(first + i);
            MakeCodes[shifted[i]] = (byte)(first + i);
            NeedsShift[shifted[i]] = true;
        }
    }

    /// <summary>The key for <paramref name="c"/>; false for characters a US keyboard cannot type
    /// (including '\r': text lines end with '\n', which is Enter).</summary>
    public static bool TryGetKey(char c, out byte make, out bool shift)
    {
        make = c < 128 ? MakeCodes[c] : (byte)0;
        shift = make != 0 && NeedsShift[c];
        return make != 0;
    }

    /// <summary>Appends the make/break sequence typing <paramref name="text"/>; unknown characters are skipped.</summary>
    public static void AppendText(string text, ICollection<byte> scancodes)
    {
        foreach (char c in text)
        {
            if (!TryGetKey(c, out byte make, out bool shift))
                continue;
            if (shift)
                scancodes.Add(LeftShift);
            scancodes.Add(make);
            scancodes.Add((byte)(make | BreakBit));
            if (shift)
                scancodes.Add(LeftShift | BreakBit);
        }
    }
}
