namespace Emu.Io.Storage;

/// <summary>A disk image that cannot be used, with a message the command line prints as one line
/// (e.g. "disk image 'x.img' does not exist").</summary>
public sealed class DiskImageException(string message, Exception? inner = null) : IOException(message, inner);
