using System.Text;
using System.Text.RegularExpressions;
using CommandLine;
using Emu.Hypervisor.Statistics;
using Emu.Tooling;

namespace Emu.Cli.Verbs;

[Verb("report", HelpText = "Run FREAD.COM (the seed's fread(fd, 100x512, buf); copy(buf, dest)) through the Emu OS on each driver (ata-pio, ata-dma, virtio, bios) and write one self-contained HTML page: the layers from the application down to the disk, with the instructions, VM exits and host time of each, the drivers side by side.")]
public sealed class ReportOptions
{
    [Value(0, MetaName = "DATA", Required = true, HelpText = "The data disk (a FAT12/FAT16 image; attached read-only as C:).")]
    public string Data { get; set; } = "";

    [Option("file", Required = true, HelpText = "The file FREAD.COM reads, as the OS names it (e.g. c:\\big.bin).")]
    public string File { get; set; } = "";

    [Option('o', "output", Required = true, HelpText = "The HTML file to write.")]
    public string Output { get; set; } = "";

    [Option("os", HelpText = "The OS boot floppy (default: the shipped guest-images/os/os.img; attached read-only).")]
    public string? Os { get; set; }

    [Option("drivers", HelpText = "Comma-separated drivers (default all): ata-pio, ata-dma, virtio, bios.")]
    public string? Drivers { get; set; }

    [Option("runs", Default = 3, HelpText = "Measured runs per driver after one warm-up run each; host times are their medians (1-100).")]
    public int Runs { get; set; } = 3;
}

/// <summary>`emu report`: FREAD.COM on each driver with the layer accounting on (<see cref="GuestLayers"/>), then
/// <see cref="LayerReport"/> draws the page.</summary>
public static partial class ReportVerb
{
    private static readonly string[] AllDrivers = ["ata-pio", "ata-dma", "virtio", "bios"];

    public static int Run(ReportOptions o, TextWriter output)
    {
        var drivers = o.Drivers is null ? AllDrivers : o.Drivers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (drivers.FirstOrDefault(d => !AllDrivers.Contains(d)) is { } bad)
            throw new UserError($"--drivers: unknown driver '{bad}' (use ata-pio, ata-dma, virtio, bios)", ExitCodes.Usage);
        if (drivers.Length == 0)
            throw new UserError("--drivers: give at least one driver", ExitCodes.Usage);
        if (o.Runs is < 1 or > 100)
            throw new UserError("--runs must be between 1 and 100", ExitCodes.Usage);
        if (o.File.Length == 0 || o.File.Any(c => c is < ' ' or > '~'))
            throw new UserError($"--file '{o.File}' is not a DOS path (printable ASCII)", ExitCodes.Usage);
        string os = o.Os ?? FirmwareImage.Locate(Path.Combine("os", "os.img"))
            ?? throw new UserError("the OS floppy os/os.img is not beside emu nor in a repository above it; give --os FILE");
        var files = new RunFiles();
        files.Input("disk image", o.Data);
        files.Input("OS image", os);
        files.Output("--output", o.Output);

        var runs = new List<LayerReport.DriverRun>();
        using var scratch = new ScratchFolder("emu-report-");
        using var progress = new Progress();
        foreach (string driver in drivers)
        {
            progress.Report($"{driver}: warm-up, traced");
            // The warm-up run is traced: the JIT compiles this driver's paths (the measured runs are steady) and the
            // trace gives the timeline of one request.
            string trace = scratch[$"{driver}.jsonl"];
            Fread(os, o.Data, o.File, driver, trace);
            var timeline = RequestTimeline.FromJsonl(trace);
            var measured = new List<LayerReport.DriverRun>();
            for (int i = 0; i < o.Runs; i++)
            {
                progress.Report($"{driver}: run {i + 1}/{o.Runs}");
                measured.Add(Fread(os, o.Data, o.File, driver));
            }
            runs.Add(LayerReport.Median(measured) with { Timeline = timeline });
        }
        progress.Dispose();

        string html = LayerReport.Html(new LayerReport.Page(o.File, Environment.ProcessorCount, DateTime.UtcNow, o.Runs, runs));
        try
        {
            System.IO.File.WriteAllText(o.Output, html, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ErrorWords.CannotWrite("--output", o.Output, e);
        }
        foreach (var r in runs)
            output.WriteLine($"{r.Driver,-8} {r.FreadLine}");
        output.WriteLine($"wrote {o.Output}");
        return ExitCodes.Success;
    }

    /// <summary>Boots the OS with the data disk read-only on <paramref name="driver"/>'s device, selects the driver,
    /// runs FREAD.COM and exits; what the layers took and FREAD's line.</summary>
    private static LayerReport.DriverRun Fread(string os, string data, string file, string driver, string? trace = null)
    {
        string Spec(string path) => path.Replace(",", ",,") + ",readonly";
        var options = new BootOptions
        {
            Image = Spec(os),
            Disks = driver == "virtio" ? [] : [Spec(data)],
            VirtioDisk = driver == "virtio" ? Spec(data) : null,
            Keys = $"driver {driver}\\nfread {file.Replace("\\", "\\\\")}\\nexit 0\\n",
            Layers = true,
            Timeout = 300,
            Trace = trace,
            TraceFormat = "jsonl",
            TraceHostTime = trace is not null,
        };
        var transcript = new MemoryStream();
        using var session = MachineSession.Create(options, options.Image, new MachineSession.Capture(transcript, Stream.Null));
        using var interruption = Interruption.Catch();
        var outcome = session.Run(interruption);
        string text = Encoding.Latin1.GetString(transcript.ToArray()).Replace("\r", "");
        var line = FreadResult().Match(text);
        if (outcome.ExitCode != 1 || !line.Success)
            throw new UserError($"FREAD on {driver} did not finish ({outcome.Message}); the OS printed: {text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}");
        var layers = session.Machine.Layers!;
        return new LayerReport.DriverRun(driver, line.Value, layers.Rows(), layers.TotalTicks);
    }

    [GeneratedRegex(@"(?m)^[0-9A-F]{8} \d+ .*$")]
    private static partial Regex FreadResult();
}
