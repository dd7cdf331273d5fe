using System.Diagnostics;
using System.Text.RegularExpressions;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>A FAT12/FAT16 data disk made and read by the real tools (mkfs.fat, mtools, fsck.fat):
/// the whole disk one volume, or an MBR with one partition of a given type at sector 2048.</summary>
internal sealed partial class FatDisk : IDisposable
{
    private const long PartitionStart = 2048;

    public string Path { get; }
    private readonly long _offset;

    private FatDisk(string path, long offset)
    {
        Path = path;
        _offset = offset;
    }

    /// <summary>A new disk of <paramref name="mib"/> MiB; <paramref name="partitionType"/> null: no MBR.</summary>
    public static FatDisk Create(int mib, int fatBits, byte? partitionType = null, int sectorsPerCluster = 0)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"emu-fat-{Guid.NewGuid():N}.img");
        long bytes = mib * 1024L * 1024;
        using (var f = new FileStream(path, FileMode.CreateNew))
            f.SetLength(bytes);
        var args = new List<string> { "-F", fatBits.ToString(), "-n", "EMUDATA", "--invariant" };
        if (sectorsPerCluster > 0)
            args.AddRange(["-s", sectorsPerCluster.ToString()]);
        long volumeSectors = bytes / 512;
        if (partitionType is byte type)
        {
            volumeSectors -= PartitionStart;
            WriteMbr(path, type, PartitionStart, volumeSectors);
            args.Add($"--offset={PartitionStart}");
        }
        args.Add(path);
        args.Add((volumeSectors / 2).ToString());
        Tool.Run("mkfs.fat", args);
        return new FatDisk(path, partitionType is null ? 0 : PartitionStart * 512);
    }

    private static void WriteMbr(string path, byte type, long start, long sectors)
    {
        var mbr = new byte[512];
        int e = 0x1BE;
        mbr[e] = 0x80;
        mbr[e + 4] = type;
        BitConverter.GetBytes((uint)start).CopyTo(mbr, e + 8);
        BitConverter.GetBytes((uint)sectors).CopyTo(mbr, e + 12);
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.Write(mbr);
    }

    /// <summary>The image as mtools names it (image@@offset for a partition).</summary>
    private string Image => _offset == 0 ? Path : $"{Path}@@{_offset}";

    public void MakeDirectory(string dosPath) => Tool.Run("mmd", ["-i", Image, "::" + dosPath]);

    public void Write(string dosPath, byte[] data)
    {
        string host = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(host, data);
            Tool.Run("mcopy", ["-o", "-i", Image, host, "::" + dosPath]);
        }
        finally
        {
            File.Delete(host);
        }
    }

    public void Delete(string dosPath) => Tool.Run("mdel", ["-i", Image, "::" + dosPath]);

    public byte[] Read(string dosPath)
    {
        string host = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"emu-fat-read-{Guid.NewGuid():N}");
        try
        {
            Tool.Run("mcopy", ["-n", "-i", Image, "::" + dosPath, host]);
            return File.ReadAllBytes(host);
        }
        finally
        {
            File.Delete(host);
        }
    }

    /// <summary>The runs of consecutive clusters a file occupies (mshowfat's &lt;a-b&gt; groups).</summary>
    public int ClusterRuns(string dosPath) =>
        RunPattern().Matches(Tool.Run("mshowfat", ["-i", Image, "::" + dosPath])).Count;

    [GeneratedRegex(@"<\d+(-\d+)?>")]
    private static partial Regex RunPattern();

    /// <summary>Empty files DIR/F0000.TMP... (one mcopy): <paramref name="count"/> directory entries.</summary>
    public void WriteEmptyFiles(string dir, int count, int bytes = 0)
    {
        using var hostDir = new TempFolder("emu-fat-many-");
        var args = new List<string> { "-i", Image };
        for (int i = 0; i < count; i++)
        {
            string host = hostDir[$"F{i:D4}.TMP"];
            File.WriteAllBytes(host, new byte[bytes]);
            args.Add(host);
        }
        args.Add($"::{dir}/");
        Tool.Run("mcopy", args);
    }

    /// <summary>Free space in holes: <paramref name="count"/> one-cluster files in DIR, every second
    /// one deleted again, so the next files written are fragmented.</summary>
    public void MakeHoles(string dir, int count, int clusterBytes)
    {
        WriteEmptyFiles(dir, count, clusterBytes);
        for (int i = 0; i < count; i += 2)
            Delete($"{dir}/F{i:D4}.TMP");
    }

    /// <summary>fsck.fat -n on the volume (copied out of its partition first): its output; throws
    /// when it reports a problem (non-zero exit).</summary>
    public string Check()
    {
        string volume = Path;
        if (_offset != 0)
        {
            volume = Path + ".volume";
            using var src = File.OpenRead(Path);
            using var dst = File.Create(volume);
            src.Position = _offset;
            src.CopyTo(dst);
        }
        try
        {
            return Tool.Run("fsck.fat", ["-n", volume]);
        }
        finally
        {
            if (volume != Path)
                File.Delete(volume);
        }
    }

    /// <summary>Every FAT copy, as bytes, read from the boot sector's geometry.</summary>
    public List<byte[]> FatCopies()
    {
        using var f = File.OpenRead(Path);
        var boot = new byte[512];
        f.Position = _offset;
        f.ReadExactly(boot);
        int reserved = BitConverter.ToUInt16(boot, 0x0E);
        int fats = boot[0x10];
        int fatSectors = BitConverter.ToUInt16(boot, 0x16);
        var copies = new List<byte[]>();
        for (int i = 0; i < fats; i++)
        {
            var fat = new byte[fatSectors * 512];
            f.Position = _offset + (reserved + (long)i * fatSectors) * 512;
            f.ReadExactly(fat);
            copies.Add(fat);
        }
        return copies;
    }

    public void Dispose() => File.Delete(Path);

    /// <summary>Runs a host tool; its stdout, or an exception with its stderr when it fails.</summary>
    internal static class Tool
    {
        public static string Run(string tool, IEnumerable<string> args)
        {
            var psi = new ProcessStartInfo(tool)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            psi.Environment["MTOOLS_SKIP_CHECK"] = "1";
            psi.Environment["MTOOLS_NO_VFAT"] = "1";
            psi.Environment["MTOOLSRC"] = "/dev/null";
            using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}{stdout.Result}");
            return stdout.Result;
        }
    }
}
