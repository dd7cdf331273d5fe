namespace Emu.Tests.Shared;

/// <summary>A new folder under the temporary folder that the test owns: <c>using var dir = ...;</c> deletes it and
/// all it holds at the end.</summary>
internal sealed class TempFolder(string prefix = "emu-test-") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The path of <paramref name="name"/> inside the folder.</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    public override string ToString() => Path;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
