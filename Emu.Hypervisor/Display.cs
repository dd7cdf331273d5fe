using Emu.Io.Video;
using Emu.Memory;

namespace Emu.Hypervisor;

/// <summary>What kind of picture the guest's video mode makes.</summary>
public enum ScreenKind
{
    /// <summary>Character + attribute cells (modes 00h-03h, 07h).</summary>
    Text,
    /// <summary>VGA mode 13h: 320x200, a byte per pixel indexing the DAC.</summary>
    Mode13,
    /// <summary>A mode the emulated VGA cannot render.</summary>
    Unsupported,
}

/// <summary>The video mode as the BIOS data area records it, and where its picture is.</summary>
public readonly record struct DisplayMode(byte Number, ScreenKind Kind, int Columns, int Rows, uint PageAddress, TextCursor Cursor)
{
    /// <summary>"03h (80x25 text)", for messages.</summary>
    public string Description => Kind switch
    {
        ScreenKind.Text => $"{Number:X2}h ({Columns}x{Rows} text)",
        ScreenKind.Mode13 => $"{Number:X2}h (320x200 graphics, 256 colours)",
        _ => $"{Number:X2}h",
    };
}

/// <summary>
/// The screen as a user sees it: the text of a text mode (--screen) and a PNG of any mode Emu can draw
/// (--screenshot). The VGA's CRT controller is not modelled, so the mode, page and cursor come from
/// the BIOS data area, where the firmware's INT 10h keeps them (as every PC BIOS does); values a
/// hostile guest wrote there are clamped, and every read stays inside guest memory.
/// </summary>
public sealed class Display(GuestMemory memory, VgaDac dac)
{
    private const uint Bda = 0x400;

    /// <summary>The current mode. Before any BIOS has set one (a bare machine) it is the power-on 80x25 colour text mode.</summary>
    public DisplayMode Mode
    {
        get
        {
            byte number = memory.Read8(Bda + 0x49);
            ushort columns = memory.Read16(Bda + 0x4A);
            if (number == 0 && columns == 0)
                return TextMode(0x03, 80, 25, TextScreen.ColourTextBase, CursorOf(0));
            if (number == 0x13)
                return new DisplayMode(number, ScreenKind.Mode13, 40, 25, Mode13Screen.Base, default);
            if (number is not (<= 0x03 or 0x07))
                return new DisplayMode(number, ScreenKind.Unsupported, 0, 0, 0, default);
            int rows = memory.Read8(Bda + 0x84) is byte lastRow and > 0 ? Math.Min(lastRow + 1, 50) : 25;
            uint window = number == 0x07 ? 0xB_0000u : TextScreen.ColourTextBase;
            uint page = window + (memory.Read16(Bda + 0x4E) & 0x7FFEu);
            return TextMode(number, Math.Clamp((int)columns, 1, 132), rows, page, CursorOf(memory.Read8(Bda + 0x62) & 7));
        }
    }

    /// <summary>The text of the screen, one string per row; empty when the mode is not a text mode.</summary>
    public IReadOnlyList<string> TextLines()
    {
        var mode = Mode;
        return mode.Kind == ScreenKind.Text ? new TextScreen(memory, mode.PageAddress, mode.Columns, mode.Rows).ReadLines() : [];
    }

    /// <summary>The cells of a text mode's page, character | attribute &lt;&lt; 8, row by row (empty in other modes).</summary>
    public ushort[] TextCells(out DisplayMode mode)
    {
        mode = Mode;
        if (mode.Kind != ScreenKind.Text)
            return [];
        var cells = new ushort[mode.Columns * mode.Rows];
        var bytes = memory.Bytes;
        for (int i = 0; i < cells.Length; i++)
        {
            long at = mode.PageAddress + 2L * i;
            cells[i] = at + 1 < bytes.Length ? (ushort)(bytes[(int)at] | bytes[(int)at + 1] << 8) : (ushort)0;
        }
        return cells;
    }

    /// <summary>Writes the screen as a PNG; false (nothing written) when the mode cannot be drawn.</summary>
    public bool TryWritePng(Stream output)
    {
        var cells = TextCells(out var mode);
        switch (mode.Kind)
        {
            case ScreenKind.Text:
                var text = new TextModeImage(dac).RenderRgb(cells, mode.Columns, mode.Rows, mode.Cursor);
                PngWriter.Write(output, mode.Columns * TextFont.Width, mode.Rows * TextFont.Height, text);
                return true;
            case ScreenKind.Mode13:
                PngWriter.Write(output, Mode13Screen.Width, Mode13Screen.Height, new Mode13Screen(memory, dac).RenderRgb());
                return true;
            default:
                return false;
        }
    }

    private static DisplayMode TextMode(byte number, int columns, int rows, uint page, TextCursor cursor) =>
        new(number, ScreenKind.Text, columns, rows, page, cursor);

    // The cursor of a page: position at 0040:0050 + 2 * page (column, row), shape at 0040:0060 (end
    // line, start line; bit 5 of the start hides it). Shapes in CGA's 8-line cell (the BIOS default
    // 0607h) are scaled to the 16-line cell, as a VGA BIOS's cursor emulation does.
    private TextCursor CursorOf(int page)
    {
        ushort position = memory.Read16(Bda + 0x50 + 2 * (uint)page);
        byte end = (byte)(memory.Read8(Bda + 0x60) & 0x1F), start = memory.Read8(Bda + 0x61);
        bool visible = (start & 0x20) == 0;
        start &= 0x1F;
        if (start < 8 && end < 8)
        {
            start = (byte)(start * 2 + 1);
            end = (byte)(end * 2 + 1);
        }
        return new TextCursor(position >> 8, position & 0xFF, Math.Min((int)start, TextFont.Height - 1), Math.Min((int)end, TextFont.Height - 1), visible);
    }
}
