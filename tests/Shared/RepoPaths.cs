namespace Emu.Tests.Shared;

/// <summary>Locates the repository (the folder holding Emu.sln) and the test data kept outside it.</summary>
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

    /// <summary>The one setting that says where the third-party CPU test vectors are (README, "Conformance").</summary>
    public const string ConformanceVariable = "EMU_CONFORMANCE_DIR";

    /// <summary>The folder holding the suites (<c>8086/</c>): $EMU_CONFORMANCE_DIR, else ../shared/conformance
    /// beside the repository, as the team's layout has it.</summary>
    public static string Conformance =>
        Environment.GetEnvironmentVariable(ConformanceVariable) is { Length: > 0 } set
            ? Path.GetFullPath(set)
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "conformance"));

    public static string Conformance8086 => Path.Combine(Conformance, "8086");
}
