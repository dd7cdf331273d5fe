using System.Text;
using Emu.Io.Video;

namespace Emu.Io.Tests;

public class TextScreenTests
{
    private readonly GuestMemory _memory = new();

    private void Put(int row, int col, byte ch, byte attr = 0x07)
    {
        uint a = 0xB8000 + (uint)(2 * (row * 80 + col));
        _memory.Load(a, [ch, attr]);
    }

    private void PutText(int row, int col, string text)
    {
        foreach (byte b in Encoding.ASCII.GetBytes(text))
            Put(row, col++, b);
    }

    [Fact]
    public void Blank_memory_gives_25_empty_lines()
    {
        var lines = new TextScreen(_memory).ReadLines();
        lines.Should().HaveCount(25);
        lines.Should().OnlyContain(l => l.Length == 0);
    }

    [Fact]
    public void Characters_are_read_from_even_bytes_and_trailing_blanks_trimmed()
    {
        PutText(0, 0, "C:\\>dir   ");
        PutText(24, 75, "end");
        Put(24, 79, 0x00);
        var lines = new TextScreen(_memory).ReadLines();
        lines[0].Should().Be("C:\\>dir");
        lines[24].Should().Be(new string(' ', 75) + "end");
    }

    [Fact]
    public void Code_page_437_maps_box_drawing_and_glyphs()
    {
        Put(1, 0, 0xC9); Put(1, 1, 0xCD); Put(1, 2, 0xBB);
        Put(1, 3, 0x01); Put(1, 4, 0x00); Put(1, 5, 0xE1); Put(1, 6, 0x7F); Put(1, 7, 0xDB);
        new TextScreen(_memory).ReadLines()[1].Should().Be("╔═╗☺ ß⌂█");
    }

    [Fact]
    public void Table_is_complete_and_printable()
    {
        for (int i = 0; i < 256; i++)
            char.IsControl(CodePage437.ToUnicode((byte)i)).Should().BeFalse($"byte {i:X2}");
        CodePage437.ToUnicode(0x41).Should().Be('A');
        CodePage437.ToUnicode(0xB3).Should().Be('│');
        CodePage437.ToUnicode(0xFF).Should().Be('\u00A0');
    }

    [Fact]
    public void Read_text_joins_lines()
    {
        PutText(0, 0, "A");
        PutText(2, 0, "B");
        new TextScreen(_memory).ReadText().Should().StartWith("A\n\nB\n");
    }
}
