namespace Emu.Io.Storage;

/// <summary>
/// A disk as a device model gets it: the opened backend and the image name its traces and errors use. A class, not a
/// tuple: a list of value tuples is generic code the runtime JIT-compiles at every start (docs/PERFORMANCE.md).
/// </summary>
public sealed record AttachedDisk(IBlockBackend Backend, string ImageName);
