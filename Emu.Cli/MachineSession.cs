using Emu.Cli.Verbs;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Firmware;
using Emu.Hypervisor.Tracing;
using Emu.Io.Storage;

namespace Emu.Cli;

/// <summary>
/// One run of a machine from the command line: turns options into a <see cref="MachineConfig"/>
/// (each bad value is one clear error), opens the console, serial and trace destinations, runs with
/// the limits and Ctrl-C, then prints statistics and the screen and maps the outcome to an exit status.
/// </summary>
internal sealed class MachineSession : IDisposable
{
    private readonly MachineOptions _options;
    private readonly string? _bootImage;
    private readonly Capture? _capture;
    private readonly List<IDisposable> _resources = [];
    private Stream? _stdout;

    /// <summary>Streams that replace the console and COM1 outputs (emu test captures what a program prints).</summary>
    public sealed record Capture(Stream Console, Stream Serial);

    private MachineSession(MachineOptions options, string? bootImage, Capture? capture)
    {
        _options = options;
        _bootImage = bootImage;
        _capture = capture;
    }

    public VirtualMachine Machine { get; private set; } = null!;

    /// <summary>Builds the machine. <paramref name="bootImage"/> (emu boot) becomes the floppy when its
    /// size is a floppy size, else the first hard disk.</summary>
    public static MachineSession Create(MachineOptions options, string? bootImage = null, Capture? capture = null)
    {
        var session = new MachineSession(options, bootImage, capture);
        try
        {
            session.Build();
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private void Build()
    {
        var o = _options;
        if (!CpuModels.TryParse(o.Cpu, out var model))
            throw new UserError($"unknown CPU model '{o.Cpu}' (use 8086, 186, 286 or 386)", ExitCodes.Usage);
        if (o.MemoryKiB is < 16 or > 640)
            throw new UserError($"--memory {o.MemoryKiB} is out of range (16 to 640 KiB of conventional memory)", ExitCodes.Usage);
        if (o.MaxInstructions is < 1)
            throw new UserError("--max-instructions must be at least 1", ExitCodes.Usage);
        if (o.Timeout is double t && (t <= 0 || double.IsNaN(t) || t > TimeSpan.MaxValue.TotalSeconds / 2))
            throw new UserError("--timeout must be a positive number of seconds", ExitCodes.Usage);
        if (o.NanosecondsPerInstruction is < 1 or > 1_000_000)
            throw new UserError("--ns-per-instruction must be between 1 and 1000000", ExitCodes.Usage);
        if (!Tracer.TryParseEvents(o.TraceEvents, out var events, out var badEvent))
            throw new UserError($"--trace-events: unknown event kind '{badEvent}' (use exits, interrupts, devices, instructions or all)", ExitCodes.Usage);
        string format = o.TraceFormat.ToLowerInvariant();
        if (format is not ("text" or "jsonl" or "chrome"))
            throw new UserError($"--trace-format '{o.TraceFormat}' is not text, jsonl or chrome", ExitCodes.Usage);

        if (!Enum.TryParse<BiosDiskMode>(o.BiosDisk, ignoreCase: true, out var diskMode) || !Enum.IsDefined(diskMode)
            || int.TryParse(o.BiosDisk, out _))
            throw new UserError($"--bios-disk '{o.BiosDisk}' is not pio, dma, virtio or hypercall", ExitCodes.Usage);
        byte[]? firmware = o.UseFirmware ? FirmwareImage.Load(o.Bios) : null;
        var (floppy, hardDisks) = OpenDisks();
        if (firmware is not null && diskMode != FirmwareServices.EffectiveDiskMode(diskMode))
            Console.Error.WriteLine($"emu: note: --bios-disk {diskMode.ToString().ToLowerInvariant()}: that driver is not wired into the machine yet; INT 13h uses the hypercall path");

        var config = new MachineConfig
        {
            Firmware = firmware,
            Floppy = floppy,
            HardDisks = hardDisks,
            BiosDisk = diskMode,
            Cpu = model,
            MemoryKiB = o.MemoryKiB,
            NanosecondsPerInstruction = o.NanosecondsPerInstruction,
            DebugConsoleOutput = _capture is null ? OpenOutput(o.DebugCon, "--debugcon") : _capture.Console,
            SerialOutput = _capture is null ? OpenOutput(o.Serial, "--serial") : _capture.Serial,
            SerialInput = o.SerialInput is null ? null : System.Text.Encoding.Latin1.GetBytes(Unescape(o.SerialInput)),
            Keys = o.Keys is null ? null : Unescape(o.Keys),
        };
        Machine = new VirtualMachine(config);
        Machine.Stats.TimingEnabled = o.TraceHostTime;
        if (o.Trace is not null)
            Machine.Tracer = new Tracer(OpenTrace(o.Trace, format, config.NanosecondsPerInstruction), events, o.TraceHostTime);
    }

    /// <summary>Runs to the end and returns the process exit status; prints why on stderr when it is not 0.</summary>
    public int RunToEnd()
    {
        var outcome = Run();
        if (_options.Stats)
            Machine.Stats.WriteTable(Console.Error);
        if (_options.Screen)
            ScreenPrinter.Print(Machine, Console.Out);
        if (outcome.ExitCode != 0)
            Console.Error.WriteLine($"emu: {outcome.Message}");
        return outcome.ExitCode;
    }

    /// <summary>Runs to the end with the options' limits (Ctrl-C stops it) and flushes the outputs.</summary>
    public RunOutcome Run()
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // let the run stop at an instruction boundary and clean up
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        RunOutcome outcome;
        try
        {
            outcome = Machine.Run(new RunLimits
            {
                MaxInstructions = _options.MaxInstructions,
                Timeout = _options.Timeout is double s ? TimeSpan.FromSeconds(s) : null,
                Cancellation = cancel.Token,
            });
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        FlushOutputs();
        return outcome;
    }

    private (IBlockBackend? Floppy, List<IBlockBackend> HardDisks) OpenDisks()
    {
        IBlockBackend? floppy = null;
        var hardDisks = new List<IBlockBackend>();
        if (_bootImage is not null)
        {
            var image = OpenDisk(_bootImage, "image");
            if (BiosDrive.IsFloppySize(image.CapacityBytes))
                floppy = image;
            else
                hardDisks.Add(image);
        }
        if (_options.Floppy is { } floppySpec)
        {
            if (floppy is not null)
                throw new UserError($"--floppy: drive A: already holds '{_bootImage}' (a floppy-sized image); give one floppy", ExitCodes.Usage);
            floppy = OpenDisk(floppySpec, "--floppy");
            if (!BiosDrive.IsFloppySize(floppy.CapacityBytes))
                throw new UserError($"--floppy: '{floppySpec}' is {floppy.CapacityBytes:N0} bytes, not a floppy size (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M or 2.88M)");
        }
        foreach (var spec in _options.Disks)
            hardDisks.Add(OpenDisk(spec, "--disk"));
        if (hardDisks.Count > 4)
            throw new UserError($"at most 4 hard disks can be attached, not {hardDisks.Count}", ExitCodes.Usage);
        return (floppy, hardDisks);
    }

    private RawImageBackend OpenDisk(string text, string what)
    {
        if (!DiskSpec.TryParse(text, out var spec, out var error))
            throw new UserError($"{what}: {error}", ExitCodes.Usage);
        try
        {
            var backend = RawImageBackend.Open(spec);
            _resources.Add(backend);
            return backend;
        }
        catch (DiskImageException e)
        {
            throw new UserError(e.Message);
        }
    }

    private Stream? OpenOutput(string target, string option)
    {
        switch (target)
        {
            case "none":
                return null;
            case "stdio":
                return _stdout ??= Console.OpenStandardOutput();
            default:
                try
                {
                    var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.Read);
                    _resources.Add(file);
                    return file;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    throw new UserError($"{option}: cannot write '{target}': {e.Message}");
                }
        }
    }

    private ITraceSink OpenTrace(string path, string format, long nsPerInstruction)
    {
        StreamWriter writer;
        try
        {
            writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false)) { AutoFlush = false };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"--trace: cannot write '{path}': {e.Message}");
        }
        return format switch
        {
            "jsonl" => new JsonlTraceSink(writer),
            "chrome" => new ChromeTraceSink(writer, nsPerInstruction),
            _ => new TextTraceSink(writer),
        };
    }

    private void FlushOutputs()
    {
        Machine.Config.DebugConsoleOutput?.Flush();
        Machine.Config.SerialOutput?.Flush();
    }

    /// <summary>Turns the two-character escapes \n, \r, \t, \\ and \e of option text into characters.</summary>
    internal static string Unescape(string text) => text
        .Replace("\\\\", "\u0000")
        .Replace("\\n", "\n")
        .Replace("\\r", "\r")
        .Replace("\\t", "\t")
        .Replace("\\e", "\u001b")
        .Replace("\u0000", "\\");

    public void Dispose()
    {
        Machine?.Dispose();
        foreach (var r in _resources)
            r.Dispose();
        _stdout?.Flush();
    }
}
