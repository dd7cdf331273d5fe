namespace Emu.Io.Video;

/// <summary>Where the hardware cursor is and how it is drawn: scan lines <see cref="StartLine"/>
/// to <see cref="EndLine"/> of the cell at <see cref="Row"/>, <see cref="Column"/>.</summary>
public readonly record struct TextCursor(int Row, int Column, int StartLine, int EndLine, bool Visible);

/// <summary>
/// Renders a colour text page (character + attribute cells) to 8-bit RGB as a VGA
/// shows it with its 8x16 font: <see cref="TextFont"/> glyphs, the foreground from attribute bits
/// 0-3 and the background from bits 4-6 (bit 7 blinks the character, as after a VGA BIOS's mode set;
/// the picture is taken in the blink's visible phase), and the cursor. The attribute controller is
/// not modelled: colour i is DAC entry i, which the DAC's power-on palette makes the 16 CGA colours.
/// </summary>
public sealed class TextModeImage(VgaDac dac)
{
    /// <summary>Columns x rows <paramref name="cells"/> (character | attribute &lt;&lt; 8, row by row); 3 bytes
    /// (R, G, B) per pixel, <see cref="TextFont.Width"/> x <see cref="TextFont.Height"/> pixels per cell, rows top to bottom.</summary>
    public byte[] RenderRgb(ReadOnlySpan<ushort> cells, int columns, int rows, TextCursor cursor)
    {
        if (cells.Length != columns * rows)
            throw new ArgumentException("the cells do not match the size", nameof(cells));
        int width = columns * TextFont.Width, height = rows * TextFont.Height;
        var rgb = new byte[width * height * 3];
        for (int row = 0; row < rows; row++)
        {
            for (int col = 0; col < columns; col++)
            {
                ushort cell = cells[row * columns + col];
                bool cursorHere = cursor.Visible && cursor.Row == row && cursor.Column == col;
                DrawCell(rgb, width, col * TextFont.Width, row * TextFont.Height, (byte)cell, (byte)(cell >> 8), cursorHere ? cursor : null);
            }
        }
        return rgb;
    }

    private void DrawCell(byte[] rgb, int width, int x0, int y0, byte ch, byte attribute, TextCursor? cursor)
    {
        var fg = Colour(attribute & 0x0F);
        var bg = Colour(attribute >> 4 & 0x07);
        for (int line = 0; line < TextFont.Height; line++)
        {
            byte bits = TextFont.Row(ch, line);
            if (cursor is { } c && line >= c.StartLine && line <= c.EndLine)
                bits = 0xFF; // the cursor is drawn in the cell's foreground colour
            int at = ((y0 + line) * width + x0) * 3;
            for (int x = 0; x < TextFont.Width; x++, at += 3)
            {
                var (r, g, b) = (bits & (0x80 >> x)) != 0 ? fg : bg;
                rgb[at] = r;
                rgb[at + 1] = g;
                rgb[at + 2] = b;
            }
        }
    }

    // 6-bit DAC components to 8 bits: replicate the top bits into the bottom.
    private (byte R, byte G, byte B) Colour(int index)
    {
        var (r, g, b) = dac[index & dac.PixelMask];
        return ((byte)(r << 2 | r >> 4), (byte)(g << 2 | g >> 4), (byte)(b << 2 | b >> 4));
    }
}
