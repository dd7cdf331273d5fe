namespace Emu.Tests.Shared;

/// <summary>A file under the temporary folder that the test owns: <c>using var file = ...;</c> deletes it at the end.</summary>
internal sealed class TempFile : IDisposable
{
    private TempFile(string extension) =>
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"emu-test-{Guid.NewGuid():N}{extension}");

    public string Path { get; }

    /// <summary>A name with nothing there yet (an output the test lets emu create).</summary>
    public static TempFile Named(string extension = ".tmp") => new(extension);

    /// <summary>A file holding <paramref name="bytes"/> (empty by default).</summary>
    public static TempFile With(byte[]? bytes = null, string extension = ".tmp")
    {
        var file = new TempFile(extension);
        File.WriteAllBytes(file.Path, bytes ?? []);
        return file;
    }

    /// <summary>A scratch copy of <paramref name="source"/>, so the original is never written.</summary>
    public static TempFile CopyOf(string source)
    {
        var file = new TempFile(System.IO.Path.GetExtension(source));
        File.Copy(source, file.Path);
        return file;
    }

    public override string ToString() => Path;

    public void Dispose() => File.Delete(Path);
}
