using System.IO.Hashing;
using System.Text.RegularExpressions;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>Boots the Emu OS floppy (a scratch copy of guest-images/os/os.img) in a real emu process
/// and types shell commands into it; the debug console (port E9h) is the transcript.</summary>
internal static partial class GuestOs
{
    public static readonly string[] Drivers = ["ata-pio", "ata-dma", "virtio", "bios"];

    /// <summary>The CPUs each driver runs on: all on a 386 (the default), all but virtio (32-bit MMIO)
    /// also on an 8086.</summary>
    public static IEnumerable<string> CpusFor(string driver) => driver == "virtio" ? ["386"] : ["386", "8086"];

    /// <summary>Theory data: every driver on each CPU it runs on, with each of <paramref name="disks"/>.</summary>
    public static TheoryData<string, string, string> DriversWith(params string[] disks)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var driver in Drivers)
        {
            foreach (var cpu in CpusFor(driver))
            {
                foreach (var disk in disks)
                    data.Add(driver, cpu, disk);
            }
        }
        return data;
    }

    public sealed record Run(int ExitCode, string Transcript, string Stderr);

    /// <summary><paramref name="disk"/> is attached as the virtio disk for the virtio driver, else as
    /// the first ATA disk; the shell selects <paramref name="driver"/> first.</summary>
    public static Run WithDriver(string driver, string disk, IEnumerable<string> commands, params string[] options) =>
        Boot([driver == "virtio" ? "--virtio-disk" : "--disk", disk, .. options], [$"driver {driver}", .. commands]);

    public static Run Boot(IEnumerable<string> options, IEnumerable<string> commands)
    {
        using var floppy = TempFile.CopyOf(Path.Combine(RepoPaths.GuestImages, "os", "os.img"));
        string keys = string.Concat(commands.Select(c => c.Replace("\\", "\\\\") + "\\n"));
        var r = EmuProcess.Run(["boot", floppy.Path, .. options, "--keys", keys, "--timeout", "120"]);
        return new Run(r.ExitCode, r.Stdout.Replace("\r", ""), r.Stderr);
    }

    /// <summary>The `sum` line the shell must print for these bytes: CRC-32 (zlib's), size, path.</summary>
    public static string SumLine(byte[] data, string path) => $"{Crc32.HashToUInt32(data):X8} {data.Length} {path}";

    public static byte[] RandomBytes(int seed, int length)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Transcript lines (the prompt and echoed commands included).</summary>
    public static string[] Lines(this Run run) => run.Transcript.Split('\n');

    [GeneratedRegex(@"^[0-9A-F]{8} \d+ ")]
    public static partial Regex SumPattern();
}
