namespace Emu.Cli;

/// <summary>
/// The files one run reads (program, disks, floppy, firmware) and writes (--trace, --debugcon, --serial,
/// --screenshot), checked together before anything is opened: each input must be a file (a disk may also be a
/// block device), each output must be writable where it is named, and no output may be an input or another
/// output. "The same" means the same file (device and inode), however it is spelt: a symbolic link, '..', a
/// hard link. Outputs that are devices or FIFOs (/dev/null, a terminal, a pipe) are not files to overwrite and
/// may be shared.
/// </summary>
internal sealed class RunFiles
{
    // A class, not a tuple: CoreLib's List code over a reference type is precompiled, over a tuple holding
    // emu's own struct it was JIT-compiled at every start (docs/PERFORMANCE.md, start-up).
    private sealed record InputFile(string What, string Path, HostFile.Identity Identity);

    private readonly List<InputFile> _inputs = [];
    private readonly List<(string Option, string Path, object Key)> _outputs = [];

    /// <summary>An input: "program", "disk image" (<paramref name="blockDeviceOk"/>), "firmware image"...</summary>
    public void Input(string what, string path, bool blockDeviceOk = false)
    {
        var kind = HostFile.KindOf(path);
        if (kind != FileKind.Regular && !(blockDeviceOk && kind == FileKind.BlockDevice))
            throw ErrorWords.NotAFile(what, path, kind);
        _inputs.Add(new InputFile(what, path, HostFile.IdentityOf(path)!));
    }

    /// <summary>An input opened by another process (a disk a device process serves): only guarded against being overwritten.</summary>
    public void RemoteInput(string what, string path)
    {
        if (HostFile.IdentityOf(path) is { } identity)
            _inputs.Add(new InputFile(what, path, identity));
    }

    /// <summary>An output file named by <paramref name="option"/>; refused when it cannot be created there or
    /// would overwrite an input or another output.</summary>
    public void Output(string option, string path)
    {
        var kind = HostFile.KindOf(path);
        object key;
        switch (kind)
        {
            case FileKind.Regular:
                var identity = HostFile.IdentityOf(path)!;
                if (_inputs.Find(i => i.Identity == identity) is { } input)
                    throw new UserError($"{option}: '{path}' is the {input.What} '{input.Path}'; writing it would destroy an input", ExitCodes.Usage);
                key = identity;
                break;
            case FileKind.Missing:
                string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
                if (HostFile.KindOf(folder) != FileKind.Directory)
                    throw new UserError($"{option}: cannot write '{path}': the folder '{folder}' does not exist");
                key = (HostFile.IdentityOf(folder)!, Path.GetFileName(path)); // the file it will become
                break;
            case FileKind.Directory or FileKind.Socket:
                throw new UserError($"{option}: cannot write '{path}': it is {ErrorWords.Of(kind)}");
            default:
                return; // a device or a FIFO: a stream, not a file to overwrite
        }
        if (_outputs.FirstOrDefault(o => o.Key.Equals(key)) is { Option: not null } other)
            throw new UserError($"{option}: '{path}' is also the output of {other.Option} ('{other.Path}'); give each output a file of its own", ExitCodes.Usage);
        _outputs.Add((option, path, key));
    }

    /// <summary>The longest Unix socket path: sockaddr_un's sun_path holds 108 bytes with the closing NUL.</summary>
    public const int MaxSocketPathBytes = 107;

    /// <summary>A Unix socket path emu listens on or connects to (<paramref name="option"/>): refused in one line
    /// when it is too long for a socket address or its folder does not exist.</summary>
    public static void CheckSocket(string option, string path)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxSocketPathBytes)
            throw new UserError($"{option}: the socket path '{path}' is {bytes} bytes; a Unix socket path holds at most {MaxSocketPathBytes} (choose a shorter one)", ExitCodes.Usage);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (HostFile.KindOf(folder) != FileKind.Directory)
            throw new UserError($"{option}: the folder '{folder}' of the socket '{path}' does not exist");
    }
}
