namespace Emu.Tooling;

/// <summary>
/// A working folder under the temporary folder for what a bench, a guest test or a report writes on its way
/// (images, sockets, programs for `emu run`, traces): made on first use, removed with everything in it on dispose.
/// Removal is best effort: a file still held open by a child process that has not quite gone must not turn a
/// finished run into an error.
/// </summary>
public sealed class ScratchFolder(string prefix) : IDisposable
{
    private string? _path;

    public string Path => _path ??= Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The path of <paramref name="name"/> inside the folder.</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (_path is null)
            return;
        try { Directory.Delete(_path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
