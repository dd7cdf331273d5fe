using Emu.Io.Video;

namespace Emu.Io.Tests;

public class TextModeImageTests
{
    private readonly ushort[] _cells = new ushort[80 * 25];
    private readonly VgaDac _dac = new();
    private static readonly TextCursor Hidden = new(0, 0, 0, 0, Visible: false);

    private static (byte, byte, byte) Rgb(int rgb) => ((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);

    private (byte, byte, byte) Pixel(byte[] rgb, int columns, int x, int y)
    {
        int at = (y * columns * TextFont.Width + x) * 3;
        return (rgb[at], rgb[at + 1], rgb[at + 2]);
    }

    [Fact]
    public void A_cell_is_its_glyph_in_the_foreground_colour_on_the_background_colour()
    {
        _cells[0] = 'A' | 0x1E << 8; // yellow on blue
        var rgb = new TextModeImage(_dac).RenderRgb(_cells, 80, 25, Hidden);

        int set = 0;
        for (int line = 0; line < TextFont.Height; line++)
        {
            for (int x = 0; x < TextFont.Width; x++)
            {
                bool on = (TextFont.Row((byte)'A', line) & (0x80 >> x)) != 0;
                Pixel(rgb, 80, x, line).Should().Be(on ? Rgb(0xFFFF55) : Rgb(0x0000AA));
                set += on ? 1 : 0;
            }
        }
        set.Should().BeGreaterThan(20, "the font has a real glyph for 'A'");
        Pixel(rgb, 80, 8, 0).Should().Be(Rgb(0x000000), "an empty cell is black");
    }

    [Fact]
    public void The_blink_bit_does_not_brighten_the_background()
    {
        _cells[0] = ' ' | 0x9F << 8; // blinking white on blue
        var rgb = new TextModeImage(_dac).RenderRgb(_cells, 80, 25, Hidden);
        Pixel(rgb, 80, 0, 0).Should().Be(Rgb(0x0000AA));
    }

    [Fact]
    public void The_cursor_fills_its_scan_lines_in_the_cells_foreground_colour()
    {
        _cells[1] = ' ' | 0x07 << 8;
        var cursor = new TextCursor(Row: 0, Column: 1, StartLine: 13, EndLine: 15, Visible: true);
        var rgb = new TextModeImage(_dac).RenderRgb(_cells, 80, 25, cursor);
        Pixel(rgb, 80, 8, 12).Should().Be(Rgb(0x000000));
        Pixel(rgb, 80, 8, 13).Should().Be(Rgb(0xAAAAAA));
        Pixel(rgb, 80, 15, 15).Should().Be(Rgb(0xAAAAAA));
        Pixel(rgb, 80, 0, 14).Should().Be(Rgb(0x000000), "the cursor is only in its own cell");
    }

    [Fact]
    public void Colours_follow_the_DAC()
    {
        _cells[0] = ' ' | 0x10 << 8;
        _dac.Write(2, [1]);                 // write index 1 (blue)
        _dac.Write(3, [0x3F]);
        _dac.Write(3, [0x00]);
        _dac.Write(3, [0x00]);              // now bright red
        var rgb = new TextModeImage(_dac).RenderRgb(_cells, 80, 25, Hidden);
        Pixel(rgb, 80, 0, 0).Should().Be(Rgb(0xFF0000));
    }

    [Fact]
    public void A_blank_page_is_the_whole_picture()
    {
        var rgb = new TextModeImage(_dac).RenderRgb(_cells, 80, 25, Hidden);
        rgb.Should().HaveCount(80 * 8 * 25 * 16 * 3);
    }
}
