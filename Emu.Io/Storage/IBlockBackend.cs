namespace Emu.Io.Storage;

/// <summary>The outcome of a backend operation. Guest-derived offsets never make a backend throw:
/// a device model turns these into the error bits the guest sees (IDNF, ABRT, UNC...).</summary>
public enum BlockStatus
{
    Ok,
    /// <summary>Some byte of the request lies outside the disk (or the offset is negative).</summary>
    OutOfRange,
    /// <summary>A write (or a flush of written data) to a read-only backend.</summary>
    ReadOnly,
    /// <summary>The host reported an error (EIO, disk full, file gone...).</summary>
    IoError,
}

/// <summary>
/// Host storage behind a guest disk. Addresses are byte offsets so that a device with another sector
/// size (or a virtio request at any 512-byte offset) needs no separate path. The disk is
/// <see cref="SectorCount"/> 512-byte sectors; when the image's byte length is not a multiple of 512,
/// the last sector is partial in the image and its missing tail reads as zeros.
/// </summary>
public interface IBlockBackend : IDisposable
{
    public const int SectorSize = 512;

    /// <summary>Length of the image in bytes (what the host file holds).</summary>
    long CapacityBytes { get; }

    /// <summary>Size of the disk in 512-byte sectors: the byte length rounded up.</summary>
    long SectorCount { get; }

    bool ReadOnly { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>. The whole request must
    /// lie within <see cref="SectorCount"/> sectors, else nothing is read and OutOfRange is returned.</summary>
    BlockStatus Read(long offset, Span<byte> destination);

    /// <summary>Writes <paramref name="source"/> at <paramref name="offset"/>; same range rule as Read.</summary>
    BlockStatus Write(long offset, ReadOnlySpan<byte> source);

    /// <summary>Makes every completed write durable (fsync for a file).</summary>
    BlockStatus Flush();
}

/// <summary>Range checks shared by the backends; overflow-safe for any guest-derived offset and length.</summary>
internal static class BlockRange
{
    public static long SectorsFor(long bytes) => bytes <= 0 ? 0 : (bytes + IBlockBackend.SectorSize - 1) / IBlockBackend.SectorSize;

    /// <summary>True when [offset, offset+length) lies within a disk of <paramref name="sectorCount"/> sectors.</summary>
    public static bool Fits(long offset, int length, long sectorCount)
    {
        long limit = sectorCount * IBlockBackend.SectorSize;
        return offset >= 0 && length >= 0 && offset <= limit && length <= limit - offset;
    }

    /// <summary>Why a transfer cannot start, in the order every backend answers: OutOfRange when it does not
    /// fit, ReadOnly for a write to a read-only disk, IoError when the backend can no longer do I/O; Ok when it
    /// can start.</summary>
    public static BlockStatus Admit(long offset, int length, long sectorCount, bool write, bool readOnly, bool broken)
    {
        if (!Fits(offset, length, sectorCount))
            return BlockStatus.OutOfRange;
        if (write && readOnly)
            return BlockStatus.ReadOnly;
        return broken ? BlockStatus.IoError : BlockStatus.Ok;
    }

    /// <summary>How many bytes of a transfer that fits lie in an image of <paramref name="capacityBytes"/> bytes:
    /// all but the missing tail of a partial last sector, which reads as zeros and is dropped on writes.</summary>
    public static int InImage(long offset, int length, long capacityBytes) => (int)Math.Clamp(capacityBytes - offset, 0, length);
}
