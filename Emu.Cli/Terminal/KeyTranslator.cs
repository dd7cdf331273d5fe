using Emu.Io.Keyboard;

namespace Emu.Cli.Terminal;

/// <summary>
/// A key pressed in the terminal, as System.Console decodes it (escape sequences included), to the
/// set-1 scancodes a PC keyboard sends for it: make, then break, with Shift/Ctrl/Alt wrapped around
/// and E0 before the keys of the grey block (arrows, Home, End, Page Up/Down, Insert, Delete).
/// </summary>
internal static class KeyTranslator
{
    private const byte Extended = 0xE0, LeftCtrl = 0x1D, LeftAlt = 0x38;

    /// <summary>Appends the scancodes for <paramref name="key"/>; false for a key a PC keyboard has no key for.</summary>
    public static bool TryTranslate(ConsoleKeyInfo key, List<byte> scancodes)
    {
        bool ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
        bool alt = (key.Modifiers & ConsoleModifiers.Alt) != 0;
        bool shift = (key.Modifiers & ConsoleModifiers.Shift) != 0;

        byte make;
        bool extended = false;
        if (Special(key.Key) is (byte code, bool grey))
        {
            (make, extended) = (code, grey);
        }
        else if (ctrl && key.Key is >= ConsoleKey.A and <= ConsoleKey.Z)
        {
            ScancodeSet1.TryGetKey((char)('a' + (key.Key - ConsoleKey.A)), out make, out _);
        }
        else if (key.KeyChar != '\0' && ScancodeSet1.TryGetKey(key.KeyChar, out make, out bool needsShift))
        {
            shift = needsShift; // the character says whether Shift was down ('A' vs 'a')
        }
        else
        {
            return false;
        }

        if (ctrl) scancodes.Add(LeftCtrl);
        if (alt) scancodes.Add(LeftAlt);
        if (shift) scancodes.Add(ScancodeSet1.LeftShift);
        if (extended) scancodes.Add(Extended);
        scancodes.Add(make);
        if (extended) scancodes.Add(Extended);
        scancodes.Add((byte)(make | ScancodeSet1.BreakBit));
        if (shift) scancodes.Add(ScancodeSet1.LeftShift | ScancodeSet1.BreakBit);
        if (alt) scancodes.Add(LeftAlt | ScancodeSet1.BreakBit);
        if (ctrl) scancodes.Add(LeftCtrl | ScancodeSet1.BreakBit);
        return true;
    }

    // Keys without a character of their own: (make code, in the grey block behind E0).
    private static (byte, bool)? Special(ConsoleKey key) => key switch
    {
        ConsoleKey.Enter => (0x1C, false),
        ConsoleKey.Escape => (0x01, false),
        ConsoleKey.Backspace => (0x0E, false),
        ConsoleKey.Tab => (0x0F, false),
        >= ConsoleKey.F1 and <= ConsoleKey.F10 => ((byte)(0x3B + (key - ConsoleKey.F1)), false),
        ConsoleKey.F11 => (0x57, false),
        ConsoleKey.F12 => (0x58, false),
        ConsoleKey.UpArrow => (0x48, true),
        ConsoleKey.DownArrow => (0x50, true),
        ConsoleKey.LeftArrow => (0x4B, true),
        ConsoleKey.RightArrow => (0x4D, true),
        ConsoleKey.Home => (0x47, true),
        ConsoleKey.End => (0x4F, true),
        ConsoleKey.PageUp => (0x49, true),
        ConsoleKey.PageDown => (0x51, true),
        ConsoleKey.Insert => (0x52, true),
        ConsoleKey.Delete => (0x53, true),
        _ => null,
    };
}
