namespace Emu.Io.Video;

/// <summary>
/// The 8x16 glyphs text-mode screenshots are drawn with: 256 in code page 437 order, one byte per scan
/// line, bit 7 leftmost. They come from Terminus Font (SIL Open Font License 1.1, Fonts/OFL.txt),
/// converted by tools/make-text-font.sh; the real VGA's ROM font may not be shipped.
/// </summary>
public static class TextFont
{
    public const int Width = 8;
    public const int Height = 16;

    private static readonly byte[] Glyphs = Load();

    /// <summary>Scan line <paramref name="line"/> (0 = top) of character <paramref name="ch"/>.</summary>
    public static byte Row(byte ch, int line) => Glyphs[ch * Height + line];

    private static byte[] Load()
    {
        using var stream = typeof(TextFont).Assembly.GetManifestResourceStream("Emu.Io.Video.Fonts.text-8x16.bin")
            ?? throw new InvalidOperationException("the text font resource is missing from Emu.Io");
        var glyphs = new byte[256 * Height];
        stream.ReadExactly(glyphs);
        return glyphs;
    }
}
