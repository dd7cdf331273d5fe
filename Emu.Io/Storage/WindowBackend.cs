namespace Emu.Io.Storage;

/// <summary>
/// A window of another backend seen as a whole disk: byte 0 here is byte <see cref="Offset"/> there, and the disk
/// ends <see cref="CapacityBytes"/> later. A device server splits one image into per-guest windows this way; a
/// request that reaches past the window is OutOfRange for that guest (its disk ends there) and never touches a
/// neighbour's bytes. The window does not own the backend: disposing it leaves the image open.
/// </summary>
public sealed class WindowBackend : IBlockBackend
{
    private readonly IBlockBackend _image;

    /// <summary><paramref name="offset"/> and <paramref name="length"/> are whole sectors inside <paramref name="image"/>.</summary>
    public WindowBackend(IBlockBackend image, long offset, long length)
    {
        if (offset < 0 || length <= 0 || offset % IBlockBackend.SectorSize != 0 || length % IBlockBackend.SectorSize != 0
            || offset > image.CapacityBytes - length)
            throw new ArgumentOutOfRangeException(nameof(length), $"a window of {length} bytes at {offset} does not lie in whole sectors of a {image.CapacityBytes}-byte image");
        _image = image;
        Offset = offset;
        CapacityBytes = length;
    }

    /// <summary>Where the window starts in the image, in bytes.</summary>
    public long Offset { get; }
    public long CapacityBytes { get; }
    public long SectorCount => CapacityBytes / IBlockBackend.SectorSize;
    public bool ReadOnly => _image.ReadOnly;

    public BlockStatus Read(long offset, Span<byte> destination) =>
        BlockRange.Fits(offset, destination.Length, SectorCount) ? _image.Read(Offset + offset, destination) : BlockStatus.OutOfRange;

    public BlockStatus Write(long offset, ReadOnlySpan<byte> source) =>
        BlockRange.Fits(offset, source.Length, SectorCount) ? _image.Write(Offset + offset, source) : BlockStatus.OutOfRange;

    /// <summary>Makes the guest's writes durable: an fsync of the image, which holds the other windows too.</summary>
    public BlockStatus Flush() => _image.Flush();

    public void Dispose()
    {
    }
}
