using System.Text;
using Emu.Memory;

namespace Emu.Io.Video;

/// <summary>
/// Renders the colour text-mode screen (80x25 cells of character + attribute at physical 0xB8000)
/// from guest memory as text: exactly <see cref="Rows"/> lines, trailing blanks trimmed, code page
/// 437 mapped to Unicode. Attributes are ignored. Video memory is ordinary RAM; reading it has no
/// side effects. Used for screenshots in tests and the console front end, so allocation is fine.
/// </summary>
public sealed class TextScreen(GuestMemory memory, uint baseAddress = TextScreen.ColourTextBase, int columns = 80, int rows = 25)
{
    public const uint ColourTextBase = 0xB8000;

    public int Columns { get; } = columns;
    public int Rows { get; } = rows;

    /// <summary>The screen as <see cref="Rows"/> lines.</summary>
    public string[] ReadLines()
    {
        var lines = new string[Rows];
        var bytes = memory.Bytes;
        var line = new StringBuilder(Columns);
        for (int row = 0; row < Rows; row++)
        {
            line.Clear();
            for (int col = 0; col < Columns; col++)
            {
                long address = baseAddress + 2L * (row * Columns + col);
                byte ch = address < bytes.Length ? bytes[(int)address] : (byte)0;
                line.Append(CodePage437.ToUnicode(ch));
            }
            lines[row] = line.ToString().TrimEnd(' ');
        }
        return lines;
    }

    /// <summary>The screen as one string, lines joined with '\n'.</summary>
    public string ReadText() => string.Join('\n', ReadLines());
}
