using System.IO.MemoryMappedFiles;

namespace Emu.Memory;

/// <summary>
/// Guest RAM in a file that two processes map: the VMM creates it (normally in /dev/shm, so it is memory,
/// not disk), a device process opens it by path, and both see the same bytes. The creator removes the
/// name once the device process has mapped it (<see cref="Unlink"/>), or when it is disposed, so nothing is
/// left behind if either process dies; the mappings stay valid.
/// </summary>
public sealed unsafe class SharedRamStore : GuestRamStore
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private bool _disposed;

    private readonly bool _created;

    private SharedRamStore(string path, MemoryMappedFile file, bool created)
    {
        Path = path;
        _created = created;
        _file = file;
        try
        {
            _view = file.CreateViewAccessor(0, Length, MemoryMappedFileAccess.ReadWrite);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _pointer = p + _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>The file's path (still the name the device process opens until <see cref="Unlink"/>).</summary>
    public string Path { get; }

    public override byte* Pointer => _disposed ? throw new ObjectDisposedException(nameof(SharedRamStore)) : _pointer;

    /// <summary>Creates a new zeroed store at <paramref name="path"/>; fails if the file exists.</summary>
    public static SharedRamStore Create(string path)
    {
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            stream.SetLength(Length); // a sparse file of zeros
            var file = MemoryMappedFile.CreateFromFile(stream, null, Length, MemoryMappedFileAccess.ReadWrite,
                HandleInheritability.None, leaveOpen: false);
            return new SharedRamStore(path, file, created: true);
        }
        catch
        {
            stream.Dispose();
            TryDelete(path);
            throw;
        }
    }

    /// <summary>Maps the store another process created. The file must be exactly <see cref="GuestRamStore.Length"/>
    /// bytes (anything else is not guest memory of this layout: an <see cref="InvalidDataException"/>).</summary>
    public static SharedRamStore Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            if (stream.Length != Length)
                throw new InvalidDataException($"'{path}' is {stream.Length} bytes, not the {Length} bytes of guest memory");
            var file = MemoryMappedFile.CreateFromFile(stream, null, Length, MemoryMappedFileAccess.ReadWrite,
                HandleInheritability.None, leaveOpen: false);
            return new SharedRamStore(path, file, created: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>A fresh path for a store in /dev/shm (memory) when it exists, else the temporary directory.</summary>
    public static string NewPath()
    {
        string dir = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        return System.IO.Path.Combine(dir, $"emu-ram-{Environment.ProcessId}-{Guid.NewGuid():N}");
    }

    /// <summary>Removes the file's name; both mappings keep working.</summary>
    public void Unlink() => TryDelete(Path);

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_created)
            Unlink(); // in case no device process ever mapped it (the connection failed)
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
