namespace Emu.Cli;

/// <summary>Reads user-named files, turning every failure into one clear line.</summary>
internal static class InputFiles
{
    /// <summary>Maximum size of a program or floppy image read whole into memory.</summary>
    public const long MaxWholeFileBytes = 64L * 1024 * 1024;

    public static byte[] ReadAll(string path, string what)
    {
        try
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path))
                throw new UserError($"{what} '{path}' is a directory, not a file");
            if (!info.Exists)
                throw new UserError($"{what} '{path}' does not exist");
            if (info.Length == 0)
                throw new UserError($"{what} '{path}' is empty");
            if (info.Length > MaxWholeFileBytes)
                throw new UserError($"{what} '{path}' is {info.Length:N0} bytes, larger than the {MaxWholeFileBytes / (1024 * 1024)} MiB this command reads");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"cannot read {what} '{path}': {e.Message}");
        }
    }
}
