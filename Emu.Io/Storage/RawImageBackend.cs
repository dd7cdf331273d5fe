using Microsoft.Win32.SafeHandles;

namespace Emu.Io.Storage;

/// <summary>How writes reach the host disk.</summary>
public enum CacheMode
{
    /// <summary>Writes go to the OS page cache; a guest FLUSH (or Dispose) forces them to disk.</summary>
    Writeback,
    /// <summary>Every write is forced to disk before it completes (slow, but a host crash loses nothing).</summary>
    Writethrough,
}

/// <summary>
/// A raw disk image file accessed with positional IO (<see cref="RandomAccess"/>) on one handle: no
/// stream position to share, no user-space buffering. The file is never preallocated, truncated,
/// extended or rewritten, so a sparse image stays sparse: reading a hole allocates nothing and only
/// the blocks the guest writes become allocated.
/// </summary>
public sealed class RawImageBackend : IBlockBackend
{
    private readonly SafeFileHandle _handle;
    private readonly CacheMode _cache;
    private bool _disposed;

    private RawImageBackend(SafeFileHandle handle, long length, bool readOnly, CacheMode cache, string path)
    {
        _handle = handle;
        CapacityBytes = length;
        SectorCount = BlockRange.SectorsFor(length);
        ReadOnly = readOnly;
        _cache = cache;
        Path = path;
    }

    public string Path { get; }
    public long CapacityBytes { get; }
    public long SectorCount { get; }
    public bool ReadOnly { get; }
    public CacheMode Cache => _cache;

    public static RawImageBackend Open(DiskSpec spec) => Open(spec.Path, spec.ReadOnly, spec.Cache);

    /// <summary>Opens an existing image. Every way this can fail becomes a <see cref="DiskImageException"/>
    /// whose message names the file and says what is wrong in one line.</summary>
    public static RawImageBackend Open(string path, bool readOnly = false, CacheMode cache = CacheMode.Writeback)
    {
        if (string.IsNullOrEmpty(path))
            throw new DiskImageException(DiskImageFault.NoPath, "");
        if (Directory.Exists(path))
            throw new DiskImageException(DiskImageFault.IsDirectory, path);
        if (!File.Exists(path))
            throw new DiskImageException(DiskImageFault.Missing, path);

        SafeFileHandle handle;
        try
        {
            // FileShare.Read: a second emulator (or a tool) may read the image but not write it under us.
            handle = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                FileShare.Read, FileOptions.None, preallocationSize: 0);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DiskImageException(DiskImageFault.PermissionDenied, path, readOnly, e);
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            throw new DiskImageException(DiskImageFault.CannotOpen, path, readOnly, e);
        }

        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length == 0)
                throw new DiskImageException(DiskImageFault.Empty, path);
            return new RawImageBackend(handle, length, readOnly, cache, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            handle.Dispose();
            if (e is DiskImageException)
                throw;
            throw new DiskImageException(DiskImageFault.CannotUse, path, readOnly, e);
        }
    }

    public BlockStatus Read(long offset, Span<byte> destination)
    {
        var admitted = BlockRange.Admit(offset, destination.Length, SectorCount, write: false, ReadOnly, broken: _disposed);
        if (admitted != BlockStatus.Ok)
            return admitted;
        int inImage = BlockRange.InImage(offset, destination.Length, CapacityBytes);
        try
        {
            // RandomAccess.Read may return short counts; loop until the in-image part is filled.
            int done = 0;
            while (done < inImage)
            {
                int n = RandomAccess.Read(_handle, destination[done..inImage], offset + done);
                if (n <= 0)
                    break; // The file shrank under us: what is missing reads as zeros.
                done += n;
            }
            destination[done..].Clear();
            return BlockStatus.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return BlockStatus.IoError;
        }
    }

    public BlockStatus Write(long offset, ReadOnlySpan<byte> source)
    {
        var admitted = BlockRange.Admit(offset, source.Length, SectorCount, write: true, ReadOnly, broken: _disposed);
        if (admitted != BlockStatus.Ok)
            return admitted;
        // The tail of a partial last sector lies past the file's end; writing it would grow the image,
        // so it is dropped (the image keeps the size the user gave it).
        int inImage = BlockRange.InImage(offset, source.Length, CapacityBytes);
        try
        {
            RandomAccess.Write(_handle, source[..inImage], offset);
            if (_cache == CacheMode.Writethrough)
                RandomAccess.FlushToDisk(_handle);
            return BlockStatus.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return BlockStatus.IoError;
        }
    }

    public BlockStatus Flush()
    {
        if (_disposed)
            return BlockStatus.IoError;
        if (ReadOnly)
            return BlockStatus.Ok; // Nothing of ours can be dirty.
        try
        {
            RandomAccess.FlushToDisk(_handle);
            return BlockStatus.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return BlockStatus.IoError;
        }
    }

    /// <summary>Flushes (a clean shutdown should not lose page-cache writes to a later host crash) and closes.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        Flush();
        _disposed = true;
        _handle.Dispose();
    }
}
