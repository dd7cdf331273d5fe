namespace Emu.Tests.Shared;

/// <summary>Locates the repository (the folder holding Emu.sln) and the shared material beside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Emu.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"cannot find Emu.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string GuestImages => Path.Combine(Root, "guest-images");

    /// <summary>../shared next to the project root, as the team's layout has it.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string Conformance8086 => Path.Combine(Shared, "conformance", "8086");
}
