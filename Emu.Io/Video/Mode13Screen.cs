using Emu.Memory;

namespace Emu.Io.Video;

/// <summary>
/// Renders VGA mode 13h (320x200, one byte per pixel at physical 0xA0000, colours from the DAC) to
/// 8-bit RGB on demand. Video memory is ordinary RAM; rendering reads it without side effects.
/// </summary>
public sealed class Mode13Screen(GuestMemory memory, VgaDac dac)
{
    public const uint Base = 0xA0000;
    public const int Width = 320;
    public const int Height = 200;

    /// <summary>Width x Height pixels, 3 bytes each (R, G, B), rows top to bottom.</summary>
    public byte[] RenderRgb()
    {
        var rgb = new byte[Width * Height * 3];
        var vram = memory.Bytes.Slice((int)Base, Width * Height);
        for (int i = 0; i < vram.Length; i++)
        {
            var (r, g, b) = dac[vram[i] & dac.PixelMask];
            // 6-bit DAC components to 8 bits: replicate the top bits into the bottom.
            rgb[i * 3] = (byte)(r << 2 | r >> 4);
            rgb[i * 3 + 1] = (byte)(g << 2 | g >> 4);
            rgb[i * 3 + 2] = (byte)(b << 2 | b >> 4);
        }
        return rgb;
    }
}
