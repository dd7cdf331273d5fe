using Emu.Hypervisor;

namespace Emu.Tooling.Bench;

/// <summary>The IO paths `emu bench io` compares, each a guest program in guest-images/bench/io/.</summary>
public enum IoBenchPath
{
    /// <summary>Full emulation: READ/WRITE SECTORS, REP INSW/OUTSW, a status poll per sector.</summary>
    AtaPio,
    /// <summary>Full emulation with fewer status polls: READ/WRITE MULTIPLE, 16 sectors per DRQ block.</summary>
    AtaMultiple,
    /// <summary>Emulation with DMA: bus-master READ/WRITE DMA, completion on IRQ 14.</summary>
    AtaDma,
    /// <summary>Paravirtual: virtio-blk, one request per notify, completion on IRQ 11.</summary>
    Virtio,
    /// <summary>Paravirtual, batched: 16 requests per notify (EVENT_IDX), one interrupt per batch.</summary>
    VirtioBatched,
    /// <summary>"Hardware-assisted": the VMM polls the queue, the driver polls the used ring; no exit per request.</summary>
    VirtioPoll,
    /// <summary><see cref="AtaPio"/> with the controller in a device process: every exit is a socket round trip.</summary>
    AtaPioProcess,
    /// <summary><see cref="AtaDma"/> with the controller in a device process (DMA into the shared guest RAM).</summary>
    AtaDmaProcess,
    /// <summary><see cref="Virtio"/> with virtio-blk in a device process (the rings read in the shared guest RAM).</summary>
    VirtioProcess,
}

/// <summary>The workloads, as the guest's parameter block numbers them.</summary>
public enum IoBenchWorkload
{
    /// <summary>The seed's fread(fd, 100 x 512): one 100-sector read.</summary>
    Fread100 = 0,
    /// <summary>1 MiB sequential read in 16 KiB requests.</summary>
    Seq1m = 1,
    /// <summary>256 reads of 4 KiB at LCG-chosen 4 KiB-aligned offsets.</summary>
    Rand4k = 2,
    /// <summary>1 MiB sequential write in 16 KiB requests, then a flush.</summary>
    Write1m = 3,
}

public static class IoBenchNames
{
    public static readonly IoBenchPath[] AllPaths = Enum.GetValues<IoBenchPath>();
    /// <summary>What `emu bench io` measures unless told otherwise: the in-process paths (the device-process ones
    /// take a socket round trip per exit, seconds per run for PIO, so they are asked for by name).</summary>
    public static readonly IoBenchPath[] DefaultPaths = AllPaths.Where(p => !p.IsProcess()).ToArray();
    public static readonly IoBenchWorkload[] AllWorkloads = Enum.GetValues<IoBenchWorkload>();

    public static string Name(this IoBenchPath path) => path switch
    {
        IoBenchPath.AtaPio => "ata-pio",
        IoBenchPath.AtaMultiple => "ata-multiple",
        IoBenchPath.AtaDma => "ata-dma",
        IoBenchPath.Virtio => "virtio",
        IoBenchPath.VirtioBatched => "virtio-batched",
        IoBenchPath.VirtioPoll => "virtio-poll",
        IoBenchPath.AtaPioProcess => "ata-pio-process",
        IoBenchPath.AtaDmaProcess => "ata-dma-process",
        IoBenchPath.VirtioProcess => "virtio-process",
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    public static string Name(this IoBenchWorkload workload) => workload switch
    {
        IoBenchWorkload.Fread100 => "fread100",
        IoBenchWorkload.Seq1m => "seq1m",
        IoBenchWorkload.Rand4k => "rand4k",
        IoBenchWorkload.Write1m => "write1m",
        _ => throw new ArgumentOutOfRangeException(nameof(workload)),
    };

    public static bool IsVirtio(this IoBenchPath path) =>
        path is IoBenchPath.Virtio or IoBenchPath.VirtioBatched or IoBenchPath.VirtioPoll or IoBenchPath.VirtioProcess;

    /// <summary>Whether the device runs in a device process (emu device-server).</summary>
    public static bool IsProcess(this IoBenchPath path) =>
        path is IoBenchPath.AtaPioProcess or IoBenchPath.AtaDmaProcess or IoBenchPath.VirtioProcess;

    /// <summary>The path whose guest program it runs: a device-process path runs its in-process twin's guest.</summary>
    public static IoBenchPath Guest(this IoBenchPath path) => path switch
    {
        IoBenchPath.AtaPioProcess => IoBenchPath.AtaPio,
        IoBenchPath.AtaDmaProcess => IoBenchPath.AtaDma,
        IoBenchPath.VirtioProcess => IoBenchPath.Virtio,
        _ => path,
    };

    public static bool TryParsePath(string text, out IoBenchPath path) => TryParse(AllPaths, p => p.Name(), text, out path);

    public static bool TryParseWorkload(string text, out IoBenchWorkload workload) => TryParse(AllWorkloads, w => w.Name(), text, out workload);

    // The value whose name is text, in any case.
    private static bool TryParse<T>(IEnumerable<T> all, Func<T, string> name, string text, out T value) where T : struct
    {
        foreach (var candidate in all)
        {
            if (string.Equals(name(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}
