using Emu.Io.Bus;

namespace Emu.Io.Video;

/// <summary>
/// The VGA's colour DAC (ports 3C6-3C9): 256 palette entries of 6-bit red, green and blue, written
/// and read three bytes at a time through an auto-incrementing index. Mode 13h pixels are indexes
/// into it. Starts with the palette the IBM VGA BIOS loads for mode 13h.
/// </summary>
public sealed class VgaDac : ByteRegisterDevice
{
    public const ushort BasePort = 0x3C6;
    public const uint Length = 4;

    private readonly byte[] _palette = new byte[256 * 3];
    private byte _mask = 0xFF;
    private byte _writeIndex, _readIndex;
    private int _writeComponent, _readComponent;
    private byte _r, _g;
    private bool _lastWasRead;

    public VgaDac() => DefaultPalette.CopyTo(_palette);

    public override string Name => "vga-dac";

    /// <summary>The 6-bit components of palette entry <paramref name="index"/>.</summary>
    public (byte R, byte G, byte B) this[int index] =>
        (_palette[(index & 0xFF) * 3], _palette[(index & 0xFF) * 3 + 1], _palette[(index & 0xFF) * 3 + 2]);

    public byte PixelMask => _mask;

    public override string RegisterName(uint offset, bool write) => offset switch
    {
        0 => "pel-mask",
        1 => write ? "read-index" : "state",
        2 => "write-index",
        _ => "data",
    };

    protected override byte ReadByte(uint offset)
    {
        switch (offset)
        {
            case 0:
                return _mask;
            case 1:
                return _lastWasRead ? (byte)0x03 : (byte)0x00;
            case 2:
                return _writeIndex;
            default:
                byte value = _palette[_readIndex * 3 + _readComponent];
                if (++_readComponent == 3)
                {
                    _readComponent = 0;
                    _readIndex++;
                }
                return value;
        }
    }

    protected override void WriteByte(uint offset, byte value)
    {
        switch (offset)
        {
            case 0:
                _mask = value;
                break;
            case 1:
                _readIndex = value;
                _readComponent = 0;
                _lastWasRead = true;
                break;
            case 2:
                _writeIndex = value;
                _writeComponent = 0;
                _lastWasRead = false;
                break;
            default:
                // The DAC latches red and green and updates the entry when blue arrives.
                byte component = (byte)(value & 0x3F);
                switch (_writeComponent++)
                {
                    case 0: _r = component; break;
                    case 1: _g = component; break;
                    default:
                        int at = _writeIndex * 3;
                        _palette[at] = _r;
                        _palette[at + 1] = _g;
                        _palette[at + 2] = component;
                        _writeComponent = 0;
                        _writeIndex++;
                        break;
                }
                break;
        }
    }

    /// <summary>The IBM VGA BIOS palette for mode 13h: the 16 EGA colours, a 16-step grey ramp,
    /// nine 24-hue wheels (three intensities by three saturations), then 8 blacks.</summary>
    public static ReadOnlySpan<byte> DefaultPalette => Palette.Value;

    private static readonly Lazy<byte[]> Palette = new(BuildDefaultPalette);

    private static byte[] BuildDefaultPalette()
    {
        var p = new List<byte>(768);
        for (int i = 0; i < 16; i++)
        {
            // EGA: bit 0 blue, 1 green, 2 red at 2/3 intensity, bit 3 adds 1/3; colour 6 is brown.
            int extra = (i & 8) != 0 ? 0x15 : 0;
            int r = ((i & 4) != 0 ? 0x2A : 0) + extra;
            int g = ((i & 2) != 0 ? 0x2A : 0) + extra;
            int b = ((i & 1) != 0 ? 0x2A : 0) + extra;
            if (i == 6)
                g = 0x15;
            p.AddRange([(byte)r, (byte)g, (byte)b]);
        }
        foreach (byte grey in new byte[] { 0x00, 0x05, 0x08, 0x0B, 0x0E, 0x11, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2D, 0x32, 0x38, 0x3F })
            p.AddRange([grey, grey, grey]);
        byte[][] levels =
        [
            [0x00, 0x10, 0x1F, 0x2F, 0x3F], [0x1F, 0x27, 0x2F, 0x37, 0x3F], [0x2D, 0x31, 0x36, 0x3A, 0x3F],
            [0x00, 0x07, 0x0E, 0x15, 0x1C], [0x0E, 0x11, 0x15, 0x18, 0x1C], [0x14, 0x16, 0x18, 0x1A, 0x1C],
            [0x00, 0x04, 0x08, 0x0C, 0x10], [0x08, 0x0A, 0x0C, 0x0E, 0x10], [0x0B, 0x0C, 0x0D, 0x0F, 0x10],
        ];
        // The hue wheel as level indexes, R G B: blue, to magenta, red, yellow, green, cyan, back. (Arrays rather than
        // tuples, whose code is JIT-compiled at every start: the palette is built with the first machine.)
        int[][] wheel =
        [
            [0, 0, 4], [1, 0, 4], [2, 0, 4], [3, 0, 4], [4, 0, 4], [4, 0, 3], [4, 0, 2], [4, 0, 1],
            [4, 0, 0], [4, 1, 0], [4, 2, 0], [4, 3, 0], [4, 4, 0], [3, 4, 0], [2, 4, 0], [1, 4, 0],
            [0, 4, 0], [0, 4, 1], [0, 4, 2], [0, 4, 3], [0, 4, 4], [0, 3, 4], [0, 2, 4], [0, 1, 4],
        ];
        foreach (var level in levels)
            foreach (var rgb in wheel)
                p.AddRange([level[rgb[0]], level[rgb[1]], level[rgb[2]]]);
        while (p.Count < 768)
            p.Add(0);
        return [.. p];
    }
}
