using CommandLine;
using Emu.Tooling.Bench;

namespace Emu.Cli.Verbs;

[Verb("bench", HelpText = "Benchmarks. 'emu bench cpu [FILE...]': MIPS of flat guests (the shipped ones, or the files given) through a whole `emu run` process, on the machine and on the bare core, and ns per OUT exit. 'emu bench io': the same disk workloads over each IO path (ATA PIO, MULTIPLE, DMA, virtio, batched, polled). "
    + "'emu bench io --guests N --models emulated,paravirtual,assigned': N guest emu processes at once sharing one emu device-server per model, each reading its window of one image; per model and number of guests: aggregate MiB/s, latency, exits per request, CPU seconds, fairness, every guest's checksum. "
    + "'emu bench io-guest': one such guest (the bench starts them).")]
public sealed class BenchOptions
{
    [Value(0, MetaName = "SUITE", Required = true, HelpText = "The benchmark: cpu or io.")]
    public string Suite { get; set; } = "";

    [Value(1, MetaName = "FILE", HelpText = "cpu: flat programs or boot sectors to measure (loaded and started at 0000:7C00, run to HLT) instead of the shipped guests.")]
    public IEnumerable<string> Files { get; set; } = [];

    [Option("guests", HelpText = "cpu: comma-separated shipped guests (default all): alu, alu-samepage, call, codepage, com, cstyle, dispatch, far, int, io, muldiv, nested, pit, strcopy, string. "
        + "io: how many guests share one device (1-16), or several counts (1,2,4); the single-guest row is always measured too.")]
    public string? Guests { get; set; }

    [Option("models", HelpText = "io with several guests: comma-separated ways to virtualize the disk (default all): " + MultiGuestModels.Names + ". io-guest: the one model.")]
    public string? Models { get; set; }

    [Option("window-kib", Default = 512, HelpText = "io with several guests: each guest's window of the shared image, in KiB (4-512, a multiple of 4).")]
    public int WindowKib { get; set; } = 512;

    [Option("passes", Default = 8, HelpText = "io with several guests, io-guest: times each guest reads its whole window (1-255).")]
    public int Passes { get; set; } = 8;

    [Option("socket", HelpText = "io-guest: the device server's socket.")]
    public string? Socket { get; set; }

    [Option("read-kib", HelpText = "io-guest: KiB of its disk the guest reads (default: all of it, at most 512).")]
    public int? ReadKib { get; set; }

    [Option("timeout", Default = 60.0, HelpText = "cpu: seconds a guest may run in `emu run` before it counts as not halting.")]
    public double Timeout { get; set; } = 60;

    [Option("paths", HelpText = "Comma-separated paths: ata-pio, ata-multiple, ata-dma, virtio, virtio-batched, virtio-poll (the default: all of these), "
        + "ata-pio-process, ata-dma-process, virtio-process (the device in an emu device-server process), or all.")]
    public string? Paths { get; set; }

    [Option("workloads", HelpText = "Comma-separated workloads (default all): fread100, seq1m, rand4k, write1m.")]
    public string? Workloads { get; set; }

    [Option("runs", Default = 5, HelpText = "cpu: timed runs per guest and column; io: runs per path and workload. Figures are their medians (1-1000).")]
    public int Runs { get; set; } = 5;

    [Option("image", HelpText = "Disk image to read (copied for every run; at least 3 MiB). Default: a generated 4 MiB image.")]
    public string? Image { get; set; }

    [Option("virtio-poll-interval", Default = 1000, HelpText = "virtio-poll: retired instructions between two polls of the queue.")]
    public int PollInterval { get; set; } = 1000;

    [Option("os-image", HelpText = "io: with fread100, also FREAD.COM through the Emu OS on each of its drivers (rows os-ata-pio, os-ata-dma, os-virtio, os-bios): this boot floppy instead of the shipped guest-images/os/os.img; 'none' leaves the OS rows out.")]
    public string? OsImage { get; set; }

    [Option("json", HelpText = "Print one JSON object per (path, workload) line instead of the table.")]
    public bool Json { get; set; }

    [Option("chart", HelpText = "Also draw exits and host time per path as bars in FILE.svg.")]
    public string? Chart { get; set; }
}

public static class BenchIoVerb
{
    public static int Run(BenchOptions o, TextWriter output)
    {
        if (string.Equals(o.Suite, "cpu", StringComparison.OrdinalIgnoreCase))
            return BenchCpuVerb.Run(o, output);
        if (string.Equals(o.Suite, "io-guest", StringComparison.OrdinalIgnoreCase))
            return BenchMultiGuestVerb.RunGuest(o, output);
        if (string.Equals(o.Suite, "io", StringComparison.OrdinalIgnoreCase) && (o.Guests is not null || o.Models is not null))
            return BenchMultiGuestVerb.Run(o, output);
        if (!string.Equals(o.Suite, "io", StringComparison.OrdinalIgnoreCase))
            throw new UserError($"unknown benchmark '{o.Suite}' (use cpu, io or io-guest)", ExitCodes.Usage);
        if (o.Files.Any())
            throw new UserError($"bench io takes no FILE arguments (got '{o.Files.First()}'; use --image for a disk image)", ExitCodes.Usage);
        if (o.Runs is < 1 or > 1000)
            throw new UserError("--runs must be between 1 and 1000", ExitCodes.Usage);
        if (o.PollInterval is < 1 or > VirtioOptions.MaxPollInterval)
            throw new UserError($"--virtio-poll-interval must be between 1 and {VirtioOptions.MaxPollInterval}", ExitCodes.Usage);
        var paths = string.Equals(o.Paths?.Trim(), "all", StringComparison.OrdinalIgnoreCase) ? [.. IoBenchNames.AllPaths]
            : ParseList(o.Paths, "--paths", IoBenchNames.DefaultPaths, IoBenchNames.AllPaths, (string s, out IoBenchPath p) => IoBenchNames.TryParsePath(s, out p), p => p.Name());
        var workloads = ParseList(o.Workloads, "--workloads", IoBenchNames.AllWorkloads, (string s, out IoBenchWorkload w) => IoBenchNames.TryParseWorkload(s, out w), w => w.Name());
        if (o.Image is { } image && !File.Exists(image))
            throw new UserError($"--image '{image}' does not exist");

        var os = workloads.Contains(IoBenchWorkload.Fread100) && o.OsImage != "none" ? OsImages(o.OsImage) : null;
        var bench = new IoBench(new IoBenchOptions
        {
            Os = os,
            Paths = paths,
            Workloads = workloads,
            Runs = o.Runs,
            Image = o.Image,
            PollInterval = o.PollInterval,
            DeviceProcessLauncher = DeviceServerProcess.Start,
        });
        int rows = paths.Count * workloads.Count + (os is null ? 0 : OsFreadBench.Drivers.Length);
        var report = new BenchRows<IoBenchResult>(r => $"{r.Workload} over {r.Path}", IoBenchReport.ToJson, IoBenchReport.WriteTable,
            IoBenchReport.ToSvg, IoBenchReport.ChecksumDisagreements);
        var (results, agree) = report.Report(bench.Run, rows, o, output);
        return agree && results.All(r => r.FailedRequests == 0) ? ExitCodes.Success : ExitCodes.HostError;
    }

    /// <summary>The OS floppy (given, or the shipped one; none found: no OS rows) and the firmware it boots with.</summary>
    private static OsBenchImages? OsImages(string? given)
    {
        string? floppy = given ?? FirmwareImage.Locate(Path.Combine("os", "os.img"));
        if (floppy is null)
            return null;
        var files = new RunFiles();
        files.Input("OS image", floppy);
        return new OsBenchImages(InputFiles.ReadAll(floppy, "OS image"), FirmwareImage.Load(FirmwareImage.Find(null)));
    }

    internal delegate bool TryParse<T>(string text, out T value);

    internal static List<T> ParseList<T>(string? text, string option, T[] all, TryParse<T> parse, Func<T, string> name) =>
        ParseList(text, option, all, all, parse, name);

    internal static List<T> ParseList<T>(string? text, string option, T[] defaults, T[] all, TryParse<T> parse, Func<T, string> name)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [.. defaults];
        var list = new List<T>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!parse(part, out var value))
                throw new UserError($"{option}: unknown name '{part}' (use {string.Join(", ", all.Select(name))})", ExitCodes.Usage);
            if (!list.Contains(value))
                list.Add(value);
        }
        if (list.Count == 0)
            throw new UserError($"{option} names nothing", ExitCodes.Usage);
        return list;
    }
}
