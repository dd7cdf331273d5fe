namespace Emu.Cli.Verbs;

/// <summary>Where a bench's --chart goes: the SVG written to the file, or one line for the user when it cannot be.</summary>
internal static class BenchChart
{
    public static void Write(string path, string svg)
    {
        try
        {
            File.WriteAllText(path, svg);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"--chart: cannot write '{path}': {e.Message}");
        }
    }
}
