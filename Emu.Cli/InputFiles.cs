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
            // Only a regular file has a size to read: a FIFO or a device (/dev/zero) reads as empty or never ends.
            var kind = HostFile.KindOf(path);
            if (kind != FileKind.Regular)
                throw ErrorWords.NotAFile(what, path, kind);
            var info = new FileInfo(path);
            if (info.Length == 0)
                throw new UserError($"{what} '{path}' is empty");
            if (info.Length > MaxWholeFileBytes)
                throw new UserError($"{what} '{path}' is {info.Length:N0} bytes, larger than the {MaxWholeFileBytes / (1024 * 1024)} MiB this command reads");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw ErrorWords.CannotRead(what, path, e);
        }
    }
}
