using System.Globalization;
using System.Text;
using Emu.Io.Keyboard;

namespace Emu.Cli;

/// <summary>
/// The text of --keys and --serial-input. Escapes: \n (newline; Enter on the keyboard), \r, \t, \b (backspace),
/// \e (Esc), \\ (a backslash) and \xHH (the character with that hexadecimal code). Any other backslash is
/// refused rather than guessed at. --keys must also be typeable on the emulated US keyboard.
/// </summary>
internal static class OptionText
{
    public const string Escapes = @"\n, \r, \t, \b, \e, \\ or \xHH";

    /// <summary>The text with its escapes replaced; a usage error naming <paramref name="option"/> for a bad escape
    /// or a character beyond one byte (the serial line and the keyboard carry bytes).</summary>
    public static string Unescape(string text, string option)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\')
            {
                if (c > 0xFF)
                    throw new UserError($"{option}: '{c}' (U+{(int)c:X4}) is not a single byte; give it as \\xHH if you mean a byte", ExitCodes.Usage);
                result.Append(c);
                continue;
            }
            char next = i + 1 < text.Length ? text[++i] : '\0';
            switch (next)
            {
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 't': result.Append('\t'); break;
                case 'b': result.Append('\b'); break;
                case 'e': result.Append('\u001b'); break;
                case '\\': result.Append('\\'); break;
                case 'x' when i + 2 < text.Length
                    && byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte code):
                    result.Append((char)code);
                    i += 2;
                    break;
                default:
                    string seen = next == '\0' ? "a lone '\\' at the end" : $"'\\{text.AsSpan(i, Math.Min(3, text.Length - i))}'";
                    throw new UserError($"{option}: unknown escape {seen} (use {Escapes})", ExitCodes.Usage);
            }
        }
        return result.ToString();
    }

    /// <summary>The --keys text, refused in one line when a character has no key on the emulated US keyboard.</summary>
    public static string Keys(string text)
    {
        // A character beyond ASCII has no key whatever its escapes say: report it, not an escape further on.
        string keys = text.Any(c => c > 0x7F) ? text : Unescape(text, "--keys");
        foreach (char c in keys)
        {
            if (!ScancodeSet1.TryGetKey(c, out _, out _))
                throw new UserError($"--keys: the US keyboard has no key for {Describe(c)} (it types printable ASCII, \\n for Enter, \\t, \\b and \\e)", ExitCodes.Usage);
        }
        return keys;
    }

    private static string Describe(char c) => c switch
    {
        >= ' ' and < (char)0x7F => $"'{c}'",
        > (char)0x7F => $"'{c}' (U+{(int)c:X4})",
        _ => $"\\x{(int)c:X2}",
    };
}
