using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Statistics;
using Emu.Io.Storage;

namespace Emu.Tooling.Bench;

/// <summary>The Emu OS for the OS rows of `emu bench io`: its boot floppy and the firmware it boots with.</summary>
public sealed record OsBenchImages(byte[] Floppy, byte[] Firmware);

/// <summary>
/// The seed's fread through a whole guest OS: FREAD.COM on the Emu OS (guest-images/os) with each of its drivers,
/// reading the first 51,200 bytes of a file whose contents are the bench image's first MiB, so its data is the
/// bare fread100 paths' data (the checksum is SHA-256 of FREAD's dest buffer, compared with theirs). The measured
/// phase is what FREAD's system calls did in the filesystem and below (open, the one read, close: the layer
/// accounting's application/system call/filesystem), with the exits and interrupts they caused; its host time is the
/// wall time between the marks that open and close that layer (exits are not timed one by one: the accounting runs
/// with <see cref="GuestLayers.TimesExits"/> off, so it costs what the bare guests' phase markers cost).
/// </summary>
public sealed class OsFreadBench(IoBenchOptions options, OsBenchImages os)
{
    public static readonly string[] Drivers = ["ata-pio", "ata-dma", "virtio", "bios"];
    private const string Phase = "application/system call/filesystem";
    private const int ReadBytes = 100 * 512;
    private const uint Dest = 0x4_0000; // FREAD.COM's dest buffer, 4000:0000 (docs/GUEST-OS.md)

    internal IEnumerable<IoBenchResult> Measure(string source, ScratchFolder scratch)
    {
        string data = scratch["os-data.img"];
        byte[] file = new byte[1024 * 1024];
        using (var s = File.OpenRead(source))
            s.ReadExactly(file);
        File.WriteAllBytes(data, Fat16Image.WithOneFile("BIG", "BIN", file));
        string expected = Convert.ToHexStringLower(SHA256.HashData(file.AsSpan(0, ReadBytes)));
        foreach (string driver in Drivers)
        {
            if (options.WarmUp)
                RunOnce(driver, data);
            var runs = Enumerable.Range(0, options.Runs).Select(_ => RunOnce(driver, data)).ToList();
            var first = runs[0];
            var perMiB = runs.Select(r => r.HostNs / (ReadBytes / (1024.0 * 1024))).ToArray();
            double median = Median.Of(perMiB);
            yield return new IoBenchResult
            {
                Path = "os-" + driver,
                Workload = IoBenchWorkload.Fread100.Name(),
                Requests = 1,
                Bytes = ReadBytes,
                Exits = first.Exits,
                ExitsByReason = first.ByReason,
                ExitsByDevice = [],
                ExitsPerRequest = first.Exits,
                ExitsPerMiB = first.Exits / (ReadBytes / (1024.0 * 1024)),
                GuestInstructions = first.Instructions,
                VirtualTimeNs = first.Instructions * new MachineConfig().NanosecondsPerInstruction,
                InterruptsDelivered = first.Interrupts,
                HostNsPerMiB = median,
                HostNsPerMiBRuns = perMiB,
                Runs = runs.Count,
                Checksum = first.Checksum == expected ? first.Checksum : throw new IoBenchException($"os-{driver}: FREAD's buffer is not the file's first {ReadBytes:N0} bytes"),
                ImageChecksum = "",
                Deterministic = runs.All(r => r.Exits == first.Exits && r.Instructions == first.Instructions),
            };
        }
    }

    private sealed record RunData(long Exits, Dictionary<string, long> ByReason, long Instructions, long Interrupts, double HostNs, string Checksum);

    private RunData RunOnce(string driver, string data)
    {
        var disk = new DiskSpec(data, ReadOnly: true);
        var console = new MemoryStream();
        var config = new MachineConfig
        {
            Cpu = CpuModel.I386,
            Firmware = os.Firmware,
            Floppy = new MemoryBackend(os.Floppy, readOnly: true),
            HardDisks = driver == "virtio" ? [] : [disk],
            VirtioDisk = driver == "virtio" ? disk : null,
            Keys = $"driver {driver}\nfread c:\\big.bin\nexit 0\n",
            DebugConsoleOutput = console,
            IdleWait = IdleWait.SkipWhileInputWaits,
        };
        using var vm = new VirtualMachine(config) { Layers = new GuestLayers(timesExits: false) };
        var outcome = vm.Run(new RunLimits { MaxInstructions = options.MaxInstructions });
        string printed = System.Text.Encoding.Latin1.GetString(console.ToArray());
        string done = $" {ReadBytes} c:\\big.bin"; // FREAD's line: its CRC-32, the bytes read, the path
        if (outcome.End != RunEnd.DebugExit || !printed.Contains(done, StringComparison.Ordinal))
            throw new IoBenchException($"os-{driver}: FREAD did not finish ({outcome.Message}; the OS printed '{printed.Trim().Split('\n').LastOrDefault()}')");

        var phase = vm.Layers.Subtree(Phase).ToList();
        var byReason = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var reason in new[] { ExitReason.Io, ExitReason.Mmio, ExitReason.Hypercall })
            byReason[reason.ToString().ToLowerInvariant()] = phase.Sum(p => p.ExitsByReason[(int)reason]);
        double hostNs = phase.Sum(p => p.HostTicks + p.ExitTicks) * (1e9 / Stopwatch.Frequency);
        var dest = vm.Memory.Bytes.Slice((int)Dest, ReadBytes);
        return new RunData(phase.Sum(p => p.Exits), byReason, phase.Sum(p => p.Instructions), phase.Sum(p => p.Interrupts), hostNs,
            Convert.ToHexStringLower(SHA256.HashData(dest)));
    }
}

/// <summary>A FAT16 volume (16 MiB, 2 KiB clusters, no partition table) holding one contiguous file in its root,
/// laid out as mkfs.fat would (BPB, two FATs, a 512-entry root directory): the OS bench's data disk.</summary>
internal static class Fat16Image
{
    public static byte[] WithOneFile(string name, string extension, byte[] contents)
    {
        const int Sectors = 32768, PerCluster = 4, Reserved = 1, RootEntries = 512, RootSectors = RootEntries * 32 / 512;
        int clusters = (Sectors - Reserved - RootSectors) / PerCluster; // an upper bound, enough for the FAT's size
        int fatSectors = ((clusters + 2) * 2 + 511) / 512;
        int dataStart = Reserved + 2 * fatSectors + RootSectors;
        var image = new byte[Sectors * 512];
        var boot = image.AsSpan(0, 512);
        boot[0] = 0xEB; boot[1] = 0x3C; boot[2] = 0x90;
        "EMUBENCH"u8.CopyTo(boot[3..]);
        BinaryPrimitives.WriteUInt16LittleEndian(boot[11..], 512);
        boot[13] = PerCluster;
        BinaryPrimitives.WriteUInt16LittleEndian(boot[14..], Reserved);
        boot[16] = 2;
        BinaryPrimitives.WriteUInt16LittleEndian(boot[17..], RootEntries);
        BinaryPrimitives.WriteUInt16LittleEndian(boot[19..], Sectors);
        boot[21] = 0xF8;
        BinaryPrimitives.WriteUInt16LittleEndian(boot[22..], (ushort)fatSectors);
        BinaryPrimitives.WriteUInt16LittleEndian(boot[24..], 63);
        BinaryPrimitives.WriteUInt16LittleEndian(boot[26..], 16);
        boot[36] = 0x80;
        boot[38] = 0x29;
        BinaryPrimitives.WriteUInt32LittleEndian(boot[39..], 0x2026_1206);
        "EMUBENCH   FAT16   "u8.CopyTo(boot[43..]);
        boot[510] = 0x55; boot[511] = 0xAA;

        int fileClusters = (contents.Length + PerCluster * 512 - 1) / (PerCluster * 512);
        for (int copy = 0; copy < 2; copy++)
        {
            var fat = image.AsSpan((Reserved + copy * fatSectors) * 512, fatSectors * 512);
            BinaryPrimitives.WriteUInt16LittleEndian(fat, 0xFFF8);
            BinaryPrimitives.WriteUInt16LittleEndian(fat[2..], 0xFFFF);
            for (int c = 2; c < 2 + fileClusters; c++)
                BinaryPrimitives.WriteUInt16LittleEndian(fat[(c * 2)..], (ushort)(c == 1 + fileClusters ? 0xFFFF : c + 1));
        }
        var entry = image.AsSpan((Reserved + 2 * fatSectors) * 512, 32);
        System.Text.Encoding.ASCII.GetBytes(name.PadRight(8) + extension.PadRight(3)).CopyTo(entry);
        entry[11] = 0x20; // archive
        BinaryPrimitives.WriteUInt16LittleEndian(entry[24..], 0x0021); // 1980-01-01
        BinaryPrimitives.WriteUInt16LittleEndian(entry[26..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[28..], (uint)contents.Length);
        contents.CopyTo(image.AsSpan(dataStart * 512));
        return image;
    }
}
