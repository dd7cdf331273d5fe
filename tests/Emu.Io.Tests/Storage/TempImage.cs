namespace Emu.Io.Tests.Storage;

/// <summary>A temporary image file deleted at the end of the test.</summary>
internal sealed class TempImage : IDisposable
{
    public TempImage(long length, bool sparse = false)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("emu-storage-test-").FullName;
        Path = System.IO.Path.Combine(Directory, "disk.img");
        using var f = new FileStream(Path, FileMode.CreateNew, FileAccess.ReadWrite);
        if (sparse)
        {
            f.SetLength(length); // ftruncate: a hole, no blocks allocated
        }
        else
        {
            var bytes = new byte[length];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = (byte)(i * 7 + 3);
            f.Write(bytes);
        }
    }

    public string Directory { get; }
    public string Path { get; }

    public byte[] Contents() => File.ReadAllBytes(Path);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
