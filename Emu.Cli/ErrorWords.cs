namespace Emu.Cli;

/// <summary>
/// The one place that turns what went wrong on the host (a failed read or write, a path that names the wrong
/// kind of thing) into the words of emu's one-line messages. Command-line syntax errors are worded in
/// <see cref="Usage"/>; what the guest did, by the machine's <c>RunOutcome</c>.
/// </summary>
internal static class ErrorWords
{
    /// <summary>"a directory", "a FIFO (named pipe)"...: what a path names, for "'X' is ..., not a file".</summary>
    public static string Of(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a file",
        FileKind.Directory => "a directory",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    /// <summary>Why a read or write failed, from the exception .NET raised (its errno where it has one).</summary>
    public static string Of(Exception e)
    {
        int errno = e switch
        {
            UnauthorizedAccessException { InnerException: IOException inner } => inner.HResult,
            UnauthorizedAccessException => 13,
            DirectoryNotFoundException => 2,
            IOException io => io.HResult,
            _ => 0,
        };
        return errno switch
        {
            2 => "its folder does not exist",
            5 => "input/output error",
            9 => "it is closed",
            11 => "another emu is writing it (the file is locked)",
            13 or 1 => "permission denied",
            27 => "the file is too large",
            28 => "no space left on the device",
            30 => "the file system is read-only",
            32 => "the reader went away (broken pipe)",
            122 => "the disk quota is used up",
            _ => e.Message.TrimEnd('.'),
        };
    }

    /// <summary>A user-named file that cannot be read: '<paramref name="what"/> 'PATH' cannot be read: WHY'.</summary>
    public static UserError CannotRead(string what, string path, Exception e) =>
        new($"cannot read {what} '{path}': {Of(e)}");

    /// <summary>An output that cannot be written: '--trace: cannot write 'PATH': WHY', or standard output (null path).</summary>
    public static UserError CannotWrite(string? option, string? path, Exception e) =>
        new(path is null ? $"cannot write to standard output: {Of(e)}" : $"{option}: cannot write '{path}': {Of(e)}");

    /// <summary>A path that names something other than a file: '<paramref name="what"/> 'PATH' is a FIFO (named pipe), not a file'.</summary>
    public static UserError NotAFile(string what, string path, FileKind kind) =>
        new(kind == FileKind.Missing ? $"{what} '{path}' does not exist" : $"{what} '{path}' is {Of(kind)}, not a file");
}
