namespace Emu.Io.Storage;

/// <summary>A disk held in a byte array, for tests and for scratch disks. Counts flushes so a test can
/// check that a FLUSH CACHE command reached the backend before the command completed.</summary>
public sealed class MemoryBackend : IBlockBackend
{
    private readonly byte[] _data;

    /// <summary>A zeroed disk of <paramref name="capacityBytes"/> bytes (need not be a multiple of 512).</summary>
    public MemoryBackend(long capacityBytes, bool readOnly = false)
        : this(new byte[checked((int)capacityBytes)], readOnly)
    {
    }

    /// <summary>A disk over <paramref name="data"/> (not copied: the test can inspect it).</summary>
    public MemoryBackend(byte[] data, bool readOnly = false)
    {
        _data = data;
        ReadOnly = readOnly;
        SectorCount = BlockRange.SectorsFor(data.Length);
    }

    public byte[] Data => _data;
    public long CapacityBytes => _data.Length;
    public long SectorCount { get; }
    public bool ReadOnly { get; }
    public int FlushCount { get; private set; }
    /// <summary>Set by a test to make every operation fail as a dying host disk would.</summary>
    public bool FailIo { get; set; }

    public BlockStatus Read(long offset, Span<byte> destination)
    {
        var admitted = BlockRange.Admit(offset, destination.Length, SectorCount, write: false, ReadOnly, broken: FailIo);
        if (admitted != BlockStatus.Ok)
            return admitted;
        int inImage = BlockRange.InImage(offset, destination.Length, CapacityBytes);
        _data.AsSpan((int)offset, inImage).CopyTo(destination);
        destination[inImage..].Clear();
        return BlockStatus.Ok;
    }

    public BlockStatus Write(long offset, ReadOnlySpan<byte> source)
    {
        var admitted = BlockRange.Admit(offset, source.Length, SectorCount, write: true, ReadOnly, broken: FailIo);
        if (admitted != BlockStatus.Ok)
            return admitted;
        // Bytes past the image's end (the tail of a partial last sector) are dropped, as for a file.
        int inImage = BlockRange.InImage(offset, source.Length, CapacityBytes);
        source[..inImage].CopyTo(_data.AsSpan((int)offset));
        return BlockStatus.Ok;
    }

    public BlockStatus Flush()
    {
        if (FailIo)
            return BlockStatus.IoError;
        FlushCount++;
        return BlockStatus.Ok;
    }

    public void Dispose()
    {
    }
}
