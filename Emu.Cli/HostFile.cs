using System.Runtime.InteropServices;

namespace Emu.Cli;

/// <summary>What a path names on the host.</summary>
internal enum FileKind { Missing, Regular, Directory, CharacterDevice, BlockDevice, Fifo, Socket, Other }

/// <summary>
/// What a path names and which file it is, from statx(2) (Linux; its layout is the same on every
/// architecture, unlike stat's). The identity (device and inode) tells that two names are one file whatever
/// the spelling: a symbolic link, '..', a hard link.
/// </summary>
internal static partial class HostFile
{
    // A class: a nullable struct's code is JIT-compiled (not precompiled) at every start (docs/PERFORMANCE.md, start-up).
    public sealed record Identity(ulong Device, ulong Inode);

    public static FileKind KindOf(string path) => Stat(path, out _);

    /// <summary>The file the path names, or null when it does not exist yet.</summary>
    public static Identity? IdentityOf(string path) => Stat(path, out var id) == FileKind.Missing ? null : id;

    private static FileKind Stat(string path, out Identity? identity)
    {
        identity = null;
        Span<byte> buffer = stackalloc byte[256]; // struct statx
        if (path.Length == 0 || StatX(AtFdCwd, path, 0, BasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
            return FileKind.Missing;
        ushort mode = MemoryMarshal.Read<ushort>(buffer[28..]);
        ulong inode = MemoryMarshal.Read<ulong>(buffer[32..]);
        ulong device = (ulong)MemoryMarshal.Read<uint>(buffer[136..]) << 32 | MemoryMarshal.Read<uint>(buffer[140..]);
        identity = new Identity(device, inode);
        return (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
    }

    private const int AtFdCwd = -100;
    private const uint BasicStats = 0x7FF; // STATX_BASIC_STATS

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatX(int directory, string path, int flags, uint mask, ref byte buffer);
}
