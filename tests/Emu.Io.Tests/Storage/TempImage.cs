using Emu.Tests.Shared;

namespace Emu.Io.Tests.Storage;

/// <summary>A temporary image file, alone in its own folder, deleted with the folder at the end of the test.</summary>
internal sealed class TempImage : IDisposable
{
    private readonly TempFolder _folder = new("emu-storage-test-");

    public TempImage(long length, bool sparse = false)
    {
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

    public string Directory => _folder.Path;
    public string Path => _folder["disk.img"];

    public byte[] Contents() => File.ReadAllBytes(Path);

    public void Dispose() => _folder.Dispose();
}
