using System.Text;
using Emu.Io.Video;

namespace Emu.Cli.Terminal;

/// <summary>
/// Draws the guest's text screen in a terminal with ANSI sequences, as QEMU's -display curses does: on
/// the terminal's alternate screen, only the cells that changed since the last frame, in the 16 CGA
/// colours (foreground from attribute bits 0-3, background from bits 4-6), with the terminal's cursor
/// where the guest's is. One line below the screen carries the console's own messages.
/// </summary>
internal sealed class TerminalScreen(TextWriter terminal)
{
    // CGA colour order (black, blue, green, cyan, red, magenta, brown, grey) to ANSI's (black, red, green, yellow, blue, magenta, cyan, white).
    private static readonly int[] AnsiColour = [0, 4, 2, 6, 1, 5, 3, 7];

    private ushort[] _shown = [];
    private int _columns, _rows;
    private string _message = "";

    public void Open() => terminal.Write("\e[?1049h\e[2J\e[H");

    /// <summary>Leaves the terminal as it was: colours reset, cursor shown, the normal screen back.</summary>
    public void Close()
    {
        terminal.Write("\e[0m\e[?25h\e[?1049l");
        terminal.Flush();
    }

    /// <summary>A line under the screen ("screenshot written to ..."); shown with the next frame.</summary>
    public void Say(string message) => _message = message;

    /// <summary>An empty screen with one line saying why (a graphics mode); cells are redrawn when text returns.</summary>
    public void Blank(string why)
    {
        if (_columns == 0 && _message == why)
            return;
        (_columns, _rows, _message) = (0, 0, why);
        terminal.Write($"\e[0m\e[2J\e[H{why}");
        terminal.Flush();
    }

    /// <summary>Draws <paramref name="cells"/> (character | attribute &lt;&lt; 8, row by row) where they differ from what is shown.</summary>
    public void Draw(ReadOnlySpan<ushort> cells, int columns, int rows, TextCursor cursor)
    {
        var frame = new StringBuilder();
        frame.Append("\e[?25l");
        if (columns != _columns || rows != _rows)
        {
            frame.Append("\e[0m\e[2J");
            _shown = new ushort[columns * rows];
            Array.Fill(_shown, (ushort)0xFFFF); // nothing a guest can write: every cell is drawn
            (_columns, _rows) = (columns, rows);
        }
        int attribute = -1;
        for (int row = 0; row < rows; row++)
        {
            int nextColumn = -1; // where the terminal's cursor is after the last cell written on this row
            for (int col = 0; col < columns; col++)
            {
                int at = row * columns + col;
                if (cells[at] == _shown[at])
                    continue;
                _shown[at] = cells[at];
                if (col != nextColumn)
                    frame.Append("\e[").Append(row + 1).Append(';').Append(col + 1).Append('H');
                int cellAttribute = cells[at] >> 8 & 0x7F; // bit 7 blinks, it does not colour
                if (cellAttribute != attribute)
                {
                    attribute = cellAttribute;
                    int fg = attribute & 0x0F, bg = attribute >> 4 & 0x07;
                    frame.Append("\e[0;").Append(fg >= 8 ? 90 + AnsiColour[fg - 8] : 30 + AnsiColour[fg])
                         .Append(';').Append(40 + AnsiColour[bg]).Append('m');
                }
                byte ch = (byte)cells[at];
                frame.Append(ch == 0 ? ' ' : CodePage437.ToUnicode(ch));
                nextColumn = col + 1;
            }
        }
        frame.Append("\e[0m\e[").Append(rows + 1).Append(";1H\e[2K").Append(_message);
        if (cursor.Visible && cursor.Row < rows && cursor.Column < columns)
            frame.Append("\e[").Append(cursor.Row + 1).Append(';').Append(cursor.Column + 1).Append("H\e[?25h");
        terminal.Write(frame.ToString());
        terminal.Flush();
    }
}
