namespace Emu.Io.Storage;

/// <summary>Why a disk image cannot be used.</summary>
public enum DiskImageFault
{
    /// <summary>The path is empty.</summary>
    NoPath,
    IsDirectory,
    Missing,
    /// <summary>The host refuses the access asked for (reading, or reading and writing).</summary>
    PermissionDenied,
    /// <summary>Opening failed for another reason (the inner exception says which).</summary>
    CannotOpen,
    /// <summary>The image has no bytes: no sector to serve.</summary>
    Empty,
    /// <summary>The opened image cannot be measured or used (the inner exception says why).</summary>
    CannotUse,
    /// <summary>The same image given to the machine twice (two controllers would write it behind each other's backs).</summary>
    AttachedTwice,
}

/// <summary>
/// A disk image that cannot be used: the <see cref="Fault"/>, the <see cref="Path"/>, whether it was wanted
/// read-only, and the host's exception if there was one. Its message, made here and nowhere else, is the one
/// line the command line prints (e.g. "disk image 'x.img' does not exist").
/// </summary>
public sealed class DiskImageException(DiskImageFault fault, string path, bool readOnly = false, Exception? inner = null)
    : IOException(Words(fault, path, readOnly, inner), inner)
{
    public DiskImageFault Fault { get; } = fault;
    public string Path { get; } = path;

    private static string Words(DiskImageFault fault, string path, bool readOnly, Exception? inner) => fault switch
    {
        DiskImageFault.NoPath => "disk image path is empty",
        DiskImageFault.IsDirectory => $"disk image '{path}' is a directory, not a file",
        DiskImageFault.Missing => $"disk image '{path}' does not exist",
        DiskImageFault.PermissionDenied => readOnly
            ? $"disk image '{path}' cannot be opened for reading: permission denied"
            : $"disk image '{path}' cannot be opened for reading and writing: permission denied (add ,readonly to use it without writing)",
        DiskImageFault.CannotOpen => $"disk image '{path}' cannot be opened: {inner?.Message}",
        DiskImageFault.Empty => $"disk image '{path}' is empty",
        DiskImageFault.CannotUse => $"disk image '{path}' cannot be used: {inner?.Message}",
        DiskImageFault.AttachedTwice => $"disk image '{path}' is attached twice",
        _ => $"disk image '{path}': {fault}",
    };
}
