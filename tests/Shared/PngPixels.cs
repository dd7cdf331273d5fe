using System.Buffers.Binary;
using System.IO.Compression;

namespace Emu.Tests.Shared;

/// <summary>
/// Reads the pixels of an 8-bit truecolour PNG with unfiltered rows (what Emu writes), so tests compare
/// pictures, not compressed bytes (which may differ between zlib versions for the same pixels).
/// </summary>
internal static class PngPixels
{
    public sealed record Image(int Width, int Height, byte[] Rgb)
    {
        public (byte R, byte G, byte B) this[int x, int y] => (Rgb[(y * Width + x) * 3], Rgb[(y * Width + x) * 3 + 1], Rgb[(y * Width + x) * 3 + 2]);
    }

    public static Image Read(byte[] png)
    {
        if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G')
            throw new InvalidDataException("not a PNG");
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at + 12 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                if (data[8] != 8 || data[9] != 2 || data[12] != 0)
                    throw new InvalidDataException("only 8-bit truecolour, not interlaced, is read here");
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            at += 12 + length;
        }
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var rgb = new byte[width * height * 3];
        var row = new byte[1 + width * 3];
        for (int y = 0; y < height; y++)
        {
            zlib.ReadExactly(row);
            if (row[0] != 0)
                throw new InvalidDataException($"row {y} uses filter {row[0]}; only unfiltered rows are read here");
            row.AsSpan(1).CopyTo(rgb.AsSpan(y * width * 3));
        }
        return new Image(width, height, rgb);
    }
}
