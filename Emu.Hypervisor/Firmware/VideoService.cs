using Emu.Cpu;
using Emu.Hypervisor.Statistics;
using Emu.Memory;

namespace Emu.Hypervisor.Firmware;

/// <summary>
/// INT 10h for the colour text mode 03h (and 02h) and the 320x200x256 mode 13h. All state is where
/// a PC keeps it: mode, columns, page, cursor positions and shape in the BDA (0040:0049-0066,
/// 0040:0084-008A), characters and attributes at B800:0000 (a 4 KiB page each), pixels at A000:0000.
/// Whatever the guest wrote into the BDA, every address computed here stays inside video memory.
/// </summary>
internal sealed class VideoService(Processor cpu, GuestMemory memory, ExitStatistics stats)
{
    private const uint Bda = 0x400;
    private const uint TextBase = 0xB_8000;
    private const uint GraphicsBase = 0xA_0000;
    private const uint TextPageSize = 0x1000;
    private const int Rows = 25;
    private const byte DefaultAttribute = 0x07;

    private GuestMemory Memory => memory;
    private Processor Cpu => cpu;

    private byte Mode => Memory.Read8(Bda + 0x49);
    private bool Graphics => Mode == 0x13;
    private int Columns => Graphics ? 40 : 80;
    private int ActivePage => Graphics ? 0 : Memory.Read8(Bda + 0x62) & 7;

    public void Handle()
    {
        var frame = new BiosFrame(Cpu);
        if (!frame.Valid)
            return;
        byte ah = frame.AH, al = frame.AL;
        byte bh = (byte)(Cpu.BX >> 8), bl = (byte)Cpu.BX;
        ushort cx = Cpu.CX, dx = Cpu.DX;
        switch (ah)
        {
            case 0x00:
                if (!SetMode(al))
                    Unsupported(frame, ah);
                break;
            case 0x01:
                Memory.Write16(Bda + 0x60, cx);
                break;
            case 0x02:
                SetCursor(bh & 7, dx);
                break;
            case 0x03:
                Cpu.CX = Memory.Read16(Bda + 0x60);
                Cpu.DX = GetCursor(bh & 7);
                break;
            case 0x05:
                if (Graphics || al > 7)
                {
                    Unsupported(frame, ah);
                    break;
                }
                Memory.Write8(Bda + 0x62, al);
                Memory.Write16(Bda + 0x4E, (ushort)(al * TextPageSize));
                break;
            case 0x06:
            case 0x07:
                Scroll(ActivePage, cx >> 8, cx & 0xFF, dx >> 8, dx & 0xFF, al, bh, up: ah == 0x06);
                break;
            case 0x08:
                if (Graphics)
                {
                    Unsupported(frame, ah);
                    break;
                }
                {
                    ushort pos = GetCursor(bh & 7);
                    frame.AX = Memory.Read16(CellAddress(bh & 7, pos >> 8, pos & 0xFF));
                }
                break;
            case 0x09:
            case 0x0A:
                if (Graphics)
                {
                    Unsupported(frame, ah);
                    break;
                }
                WriteRepeated(bh & 7, al, ah == 0x09 ? bl : null, cx);
                break;
            case 0x0E:
                if (Graphics && al is not (0x07 or 0x08 or 0x0A or 0x0D))
                {
                    Unsupported(frame, ah); // no font to draw with in mode 13h
                    break;
                }
                Teletype(ActivePage, al, null);
                break;
            case 0x0F:
                frame.AX = (ushort)((Columns << 8) | (Mode & 0x7F));
                Cpu.BX = (ushort)((ActivePage << 8) | bl);
                break;
            case 0x12 when bl == 0x10: // EGA/VGA information: colour, 256 KiB
                Cpu.BX = 0x0003;
                Cpu.CX = 0x0009;
                break;
            case 0x13:
                if (Graphics)
                {
                    Unsupported(frame, ah);
                    break;
                }
                WriteString(al, bh & 7, bl, cx, dx);
                break;
            case 0x1A when al == 0x00: // display combination: VGA with colour display
                frame.AL = 0x1A;
                Cpu.BX = 0x0008;
                break;
            default:
                Unsupported(frame, ah);
                break;
        }
    }

    private void Unsupported(BiosFrame frame, byte ah)
    {
        stats.CountUnsupported(0x10, ah);
        frame.AH = 0x01;
        frame.Carry = true;
    }

    /// <summary>Sets mode 02h/03h (80x25 text) or 13h; bit 7 of AL keeps video memory. False for other modes.</summary>
    internal bool SetMode(byte al)
    {
        byte mode = (byte)(al & 0x7F);
        bool keep = (al & 0x80) != 0;
        if (mode is not (0x02 or 0x03 or 0x13))
            return false;
        bool graphics = mode == 0x13;
        Memory.Write8(Bda + 0x49, mode);
        Memory.Write16(Bda + 0x4A, (ushort)(graphics ? 40 : 80));
        Memory.Write16(Bda + 0x4C, (ushort)(graphics ? 0xFA00 : TextPageSize));
        Memory.Write16(Bda + 0x4E, 0);
        for (uint i = 0; i < 8; i++)
            Memory.Write16(Bda + 0x50 + 2 * i, 0);
        Memory.Write16(Bda + 0x60, (ushort)(graphics ? 0 : 0x0607));
        Memory.Write8(Bda + 0x62, 0);
        Memory.Write16(Bda + 0x63, 0x3D4);
        Memory.Write8(Bda + 0x65, (byte)(graphics ? 0x09 : 0x29));
        Memory.Write8(Bda + 0x66, 0x30);
        Memory.Write8(Bda + 0x84, Rows - 1);
        Memory.Write16(Bda + 0x85, (ushort)(graphics ? 8 : 16));
        Memory.Write8(Bda + 0x87, 0x60);
        Memory.Write8(Bda + 0x88, 0xF9);
        Memory.Write8(Bda + 0x89, 0x51);
        Memory.Write8(Bda + 0x8A, 0x08);
        if (!keep)
        {
            if (graphics)
            {
                Span<byte> zeros = stackalloc byte[4096];
                zeros.Clear();
                for (uint a = GraphicsBase; a < GraphicsBase + 0x1_0000; a += 4096)
                    Memory.TryWriteDma(a, zeros);
            }
            else
            {
                for (uint a = TextBase; a < TextBase + 0x8000; a += 2)
                    Memory.Write16(a, 0x0720);
            }
        }
        return true;
    }

    private ushort GetCursor(int page) => Memory.Read16(Bda + 0x50 + 2 * (uint)page);

    private void SetCursor(int page, ushort rowCol) => Memory.Write16(Bda + 0x50 + 2 * (uint)page, rowCol);

    private uint CellAddress(int page, int row, int col) =>
        TextBase + (uint)page * TextPageSize + (uint)(Math.Min(row, Rows - 1) * 80 + Math.Min(col, 79)) * 2;

    /// <summary>Teletype output of one character on a page: BEL, BS, CR and LF act, others are written
    /// (with <paramref name="attribute"/>, or keeping the cell's own), the cursor advances, wraps and
    /// the screen scrolls up at the bottom.</summary>
    private void Teletype(int page, byte ch, byte? attribute)
    {
        ushort pos = GetCursor(page);
        int row = Math.Min(pos >> 8, Rows - 1), col = Math.Min(pos & 0xFF, Columns - 1);
        switch (ch)
        {
            case 0x07:
                return; // BEL: no speaker to sound
            case 0x08:
                if (col > 0)
                    col--;
                break;
            case 0x0D:
                col = 0;
                break;
            case 0x0A:
                row++;
                break;
            default:
                uint cell = CellAddress(page, row, col);
                Memory.Write8(cell, ch);
                if (attribute is byte a)
                    Memory.Write8(cell + 1, a);
                if (++col >= Columns)
                {
                    col = 0;
                    row++;
                }
                break;
        }
        if (row >= Rows)
        {
            Scroll(page, 0, 0, Rows - 1, Columns - 1, 1, DefaultAttribute, up: true);
            row = Rows - 1;
        }
        SetCursor(page, (ushort)((row << 8) | col));
    }

    private void WriteRepeated(int page, byte ch, byte? attribute, ushort count)
    {
        ushort pos = GetCursor(page);
        int index = Math.Min(pos >> 8, Rows - 1) * 80 + Math.Min(pos & 0xFF, 79);
        for (int i = 0; i < count && index < Rows * 80; i++, index++)
        {
            uint cell = TextBase + (uint)page * TextPageSize + (uint)index * 2;
            Memory.Write8(cell, ch);
            if (attribute is byte a)
                Memory.Write8(cell + 1, a);
        }
    }

    private void WriteString(byte mode, int page, byte attribute, ushort count, ushort rowCol)
    {
        ushort saved = GetCursor(page);
        SetCursor(page, rowCol);
        uint segment = (uint)Cpu.ES << 4;
        ushort offset = Cpu.BP;
        bool withAttributes = (mode & 0x02) != 0;
        for (int i = 0; i < count; i++)
        {
            byte ch = Memory.Read8(segment + offset++);
            byte attr = attribute;
            if (withAttributes)
                attr = Memory.Read8(segment + offset++);
            Teletype(page, ch, attr);
        }
        if ((mode & 0x01) == 0)
            SetCursor(page, saved);
    }

    /// <summary>Scrolls the window up or down by <paramref name="lines"/> (0 or at least its height: clears it),
    /// filling with blanks of <paramref name="attribute"/>. Coordinates are clamped to the screen.</summary>
    private void Scroll(int page, int top, int left, int bottom, int right, int lines, byte attribute, bool up)
    {
        int cols = Columns;
        bottom = Math.Min(bottom, Rows - 1);
        right = Math.Min(right, cols - 1);
        if (top > bottom || left > right)
            return;
        int height = bottom - top + 1;
        if (lines == 0 || lines > height)
            lines = height;
        for (int i = 0; i < height; i++)
        {
            int row = up ? top + i : bottom - i;
            int source = up ? row + lines : row - lines;
            bool fromSource = up ? source <= bottom : source >= top;
            for (int col = left; col <= right; col++)
            {
                if (Graphics)
                    CopyGraphicsCell(row, col, fromSource ? source : -1, attribute);
                else
                {
                    ushort value = fromSource ? Memory.Read16(CellAddress(page, source, col)) : (ushort)((attribute << 8) | 0x20);
                    Memory.Write16(CellAddress(page, row, col), value);
                }
            }
        }
    }

    // Mode 13h: a character cell is 8x8 pixels, 320 bytes a line.
    private void CopyGraphicsCell(int row, int col, int sourceRow, byte colour)
    {
        for (int y = 0; y < 8; y++)
        {
            uint to = GraphicsBase + (uint)((row * 8 + y) * 320 + col * 8);
            for (uint x = 0; x < 8; x++)
            {
                byte value = sourceRow < 0 ? colour : Memory.Read8(GraphicsBase + (uint)((sourceRow * 8 + y) * 320 + col * 8) + x);
                Memory.Write8(to + x, value);
            }
        }
    }
}
