using Emu.Cli.Terminal;
using Emu.Cli.Verbs;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Firmware;
using Emu.Hypervisor.Loader;
using Emu.Hypervisor.Snapshots;
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
    private readonly List<string> _remoteDisks = [];
    private ConsoleKind? _console; // --console, set while the machine is built
    private string? _deviceProcess;

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
        if (o.TraceRegisters && (events & TraceEvents.Instructions) == 0)
            throw new UserError("--trace-registers adds registers to instruction events: give --trace-events instructions (or all) too", ExitCodes.Usage);
        string format = o.TraceFormat.ToLowerInvariant();
        if (format is not ("text" or "jsonl" or "chrome"))
            throw new UserError($"--trace-format '{o.TraceFormat}' is not text, jsonl or chrome", ExitCodes.Usage);

        DateTime? rtcStart = o.Rtc.ToLowerInvariant() switch
        {
            "fixed" => null,
            "host" => DateTime.Now,
            _ => DateTime.TryParse(o.Rtc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date)
                && date.Year is >= 1980 and <= 2099
                ? date
                : throw new UserError($"--rtc '{o.Rtc}' is not fixed, host or a date between 1980 and 2099 (e.g. 2026-11-24T12:00:00)", ExitCodes.Usage),
        };
        // A switch, as for the other words: Enum.TryParse<T> is generic code the runtime JIT-compiles at every start.
        var diskMode = o.BiosDisk.Trim().ToLowerInvariant() switch
        {
            "pio" => BiosDiskMode.Pio,
            "dma" => BiosDiskMode.Dma,
            "virtio" => BiosDiskMode.Virtio,
            "hypercall" => BiosDiskMode.Hypercall,
            _ => throw new UserError($"--bios-disk '{o.BiosDisk}' is not pio, dma, virtio or hypercall", ExitCodes.Usage),
        };
        if (o.DeviceTimeout is <= 0 or > 3600 || double.IsNaN(o.DeviceTimeout))
            throw new UserError($"--device-timeout {o.DeviceTimeout} is out of range: give more than 0 and at most 3600 seconds", ExitCodes.Usage);
        _console = o.Console?.ToLowerInvariant() switch
        {
            null => null,
            "screen" => ConsoleKind.Screen,
            "serial" => ConsoleKind.Serial,
            _ => throw new UserError($"--console '{o.Console}' is not screen or serial", ExitCodes.Usage),
        };
        // The terminal shows the screen: the debug console's text would tear it, so stdio means none there.
        string debugCon = _console == ConsoleKind.Screen && o.DebugCon == "stdio" ? "none" : o.DebugCon;
        string serial = _console == ConsoleKind.Serial && o.Serial == "none" ? "stdio" : o.Serial;
        DebugAttach.Validate(o);
        string? firmwarePath = o.UseFirmware ? FirmwareImage.Find(o.Bios) : null;
        var diskSpecs = ParseDisks(o.Disks);
        var virtio = VirtioOptions.Parse(o);
        CheckFiles(diskSpecs, virtio.Disk, firmwarePath);
        byte[]? firmware = firmwarePath is null ? null : FirmwareImage.Load(firmwarePath);
        var (floppy, disks) = BootDisks(diskSpecs);

        var config = new MachineConfig
        {
            VirtioDisk = virtio.Disk,
            VirtioNotify = virtio.Mode,
            VirtioPollInterval = virtio.PollInterval,
            Firmware = firmware,
            Floppy = floppy,
            BiosDisk = diskMode,
            HardDisks = disks,
            RtcStart = rtcStart,
            // An idle guest costs the host nothing: it sleeps in real time, at once with the host's clock,
            // else once the guest has read its scripted input (which it reaches as fast as it can).
            // A live console or the host clock: time passes as on the wall, and keys may come at any moment.
            IdleWait = _console is not null || o.Rtc.Equals("host", StringComparison.OrdinalIgnoreCase) ? IdleWait.Sleep : IdleWait.SkipWhileInputWaits,
            Cpu = model,
            MemoryKiB = o.MemoryKiB,
            NanosecondsPerInstruction = o.NanosecondsPerInstruction,
            DebugConsoleOutput = _capture is null ? OpenOutput(debugCon, "--debugcon") : _capture.Console,
            SerialOutput = _capture is null ? OpenOutput(serial, "--serial") : _capture.Serial,
            SerialInput = o.SerialInput is null ? null : System.Text.Encoding.Latin1.GetBytes(OptionText.Unescape(o.SerialInput, "--serial-input")),
            Keys = o.Keys is null ? null : OptionText.Keys(o.Keys),
            DeviceProcess = _deviceProcess,
            DeviceProcessDisks = _remoteDisks,
            DeviceProcessTimeout = TimeSpan.FromSeconds(o.DeviceTimeout),
        };
        try
        {
            Machine = new VirtualMachine(config);
        }
        catch (DiskImageException e)
        {
            throw new UserError(e.Message);
        }
        catch (Emu.Hypervisor.Remote.DeviceProcessException e)
        {
            throw new UserError(e.Message);
        }
        Machine.Stats.TimingEnabled = o.TraceHostTime;
        // The guest OS marks its layers only for a machine that records them: for --layers, and for a trace's layer slices.
        if (o.Layers || o.Trace is not null)
            Machine.Layers = new Emu.Hypervisor.Statistics.GuestLayers();
        if (o.Trace is not null)
            Machine.Tracer = new Tracer(OpenTrace(o.Trace, format, config.NanosecondsPerInstruction), events, o.TraceHostTime, o.TraceRegisters);
        if (DebugAttach.Attach(Machine, o) is { } gdb)
            _resources.Add(gdb);
    }

    /// <summary>--disk values in order; a bad spec or too many disks is a usage error. Whether the files
    /// exist is checked when the machine opens them. <c>FILE,process=SOCKET</c> names a disk the device process
    /// at SOCKET serves: it is not opened here, the machine checks that the process serves it.</summary>
    private List<DiskSpec> ParseDisks(IEnumerable<string>? values)
    {
        var disks = new List<DiskSpec>();
        _deviceProcess = _options.DeviceProcess;
        if (_deviceProcess is { Length: 0 })
            throw new UserError("--device-process: the socket path is empty", ExitCodes.Usage);
        foreach (string given in values ?? [])
        {
            string value = given;
            int at = value.IndexOf(",process=", StringComparison.Ordinal);
            if (at >= 0)
            {
                int end = value.IndexOf(',', at + 1);
                string socket = end < 0 ? value[(at + ",process=".Length)..] : value[(at + ",process=".Length)..end];
                if (socket.Length == 0)
                    throw new UserError($"--disk: '{given}' has an empty process= socket path", ExitCodes.Usage);
                if (_deviceProcess is not null && _deviceProcess != socket)
                    throw new UserError($"--disk: '{given}' names device process '{socket}', but the machine already uses '{_deviceProcess}' (one device process per machine)", ExitCodes.Usage);
                _deviceProcess = socket;
                value = end < 0 ? value[..at] : value[..at] + value[end..];
                if (!DiskSpec.TryParse(value, out var remote, out var remoteError))
                    throw new UserError($"--disk: {remoteError}", ExitCodes.Usage);
                _remoteDisks.Add(remote.Path);
                continue;
            }
            if (!DiskSpec.TryParse(value, out var spec, out var error))
                throw new UserError($"--disk: {error}", ExitCodes.Usage);
            disks.Add(spec);
        }
        if (disks.Count > VirtualMachine.MaxHardDisks)
            throw new UserError($"--disk given {disks.Count} times; at most {VirtualMachine.MaxHardDisks} disks can be attached (primary and secondary, master and slave)", ExitCodes.Usage);
        return disks;
    }

    /// <summary>Every file the run reads or writes, checked before any is opened (<see cref="RunFiles"/>).</summary>
    private void CheckFiles(List<DiskSpec> disks, DiskSpec? virtioDisk, string? firmware)
    {
        var files = new RunFiles();
        if (_options is RunOptions run)
            files.Input("program", run.Program);
        if (_bootImage is not null && DiskSpec.TryParse(_bootImage, out var boot, out _))
            files.Input("disk image", boot.Path, blockDeviceOk: true);
        if (_options.Floppy is not null && DiskSpec.TryParse(_options.Floppy, out var floppy, out _))
            files.Input("floppy image", floppy.Path, blockDeviceOk: true);
        foreach (var disk in disks)
            files.Input("disk image", disk.Path, blockDeviceOk: true);
        if (virtioDisk is not null)
            files.Input("disk image", virtioDisk.Path, blockDeviceOk: true);
        foreach (string remote in _remoteDisks)
            files.RemoteInput("disk image", remote);
        if (firmware is not null)
            files.Input("firmware image", firmware);
        if (_deviceProcess is not null)
            RunFiles.CheckSocket("--device-process", _deviceProcess);

        if (_options.Trace is { } trace)
            files.Output("--trace", trace);
        if (_capture is null)
        {
            if (_options.DebugCon is not ("stdio" or "none"))
                files.Output("--debugcon", _options.DebugCon);
            if (_options.Serial is not ("stdio" or "none"))
                files.Output("--serial", _options.Serial);
        }
        if (_options.Screenshot is { } png)
            files.Output("--screenshot", png);
        if (_options.LoadSnapshot is { } load)
            files.Input("snapshot", load);
        if (_options.SaveSnapshot is { } save)
            files.Output("--save-snapshot", save);
    }

    /// <summary>Loads the program of emu run: the firmware loads it at the end of POST, a bare machine now.
    /// A program that does not fit in RAM at <paramref name="at"/> is refused in one line.</summary>
    public void LoadProgram(byte[] program, SegmentedAddress at, string name)
    {
        try
        {
            if (Machine.Firmware is { } firmware)
                firmware.SetProgram(program, at);
            else
            {
                FlatBinaryLoader.Load(Machine.Memory, program, at);
                BareStart.Prepare(Machine, at);
            }
        }
        catch (InvalidDataException e)
        {
            throw new UserError($"cannot load '{name}': {e.Message}");
        }
    }

    /// <summary>Runs to the end and returns the process exit status; prints why on stderr when it is not 0.</summary>
    public int RunToEnd()
    {
        using var interruption = Interruption.Catch();
        if (_options.LoadSnapshot is { } load)
            Snapshot(() =>
            {
                using var input = File.OpenRead(load);
                Machine.Snapshots.Load(input, load);
            });
        var outcome = Run(interruption);
        if (_options.SaveSnapshot is { } save)
            Snapshot(() =>
            {
                using var output = OpenFile("--save-snapshot", save);
                Machine.Snapshots.Save(output);
            });
        if (_options.Stats)
            Machine.Stats.WriteTable(Console.Error);
        if (_options.Layers)
        {
            if (_options.Stats)
                Console.Error.WriteLine();
            Machine.Layers!.WriteTable(Console.Error);
        }
        if (_options.Screen)
            ScreenPrinter.Print(Machine, Console.Out, Console.Error);
        if (_options.Screenshot is string png)
            WriteScreenshot(png);
        if (outcome.ExitCode != 0)
            Console.Error.WriteLine($"emu: {outcome.Message}");
        DebugAttach.ReportBreak(outcome, Machine, Console.Error);
        return outcome.ExitCode;
    }

    /// <summary>Runs to the end as <see cref="Run(CancellationToken)"/> does; SIGINT or SIGTERM, caught by
    /// <paramref name="interruption"/>, stops it, and a SIGTERM is said as such.</summary>
    public RunOutcome Run(Interruption interruption)
    {
        var outcome = Run(interruption.Token);
        if (outcome.End == RunEnd.Cancelled && interruption.Terminated)
        {
            var cpu = Machine.Cpu;
            outcome = outcome with { ExitCode = interruption.ExitCode, Message = $"{interruption.Verb} at {cpu.CS:X4}:{cpu.IP:X4} after {cpu.Retired:N0} instructions" };
        }
        return outcome;
    }

    /// <summary>Runs to the end with the options' limits (<paramref name="cancel"/> stops it at an instruction
    /// boundary) and flushes the outputs.</summary>
    public RunOutcome Run(CancellationToken cancel)
    {
        RunOutcome outcome;
        using (var console = _console is { } kind ? new LiveConsole(Machine, kind) : null)
        using (var progress = _options.Progress && console is null ? new RunProgress(Machine) : null)
        {
            console?.Open();
            outcome = Machine.Run(new RunLimits
            {
                MaxInstructions = _options.MaxInstructions,
                Timeout = _options.Timeout is double s ? TimeSpan.FromSeconds(s) : null,
                Cancellation = cancel,
                Host = (IRunHost?)console ?? progress,
            });
        } // the terminal is given back (the progress line wiped) before anything else is printed
        FlushOutputs();
        return outcome;
    }

    /// <summary>The floppy (the boot image when it is floppy-sized, or --floppy, opened here) and the hard
    /// disks (the boot image otherwise, first, then --disk; the machine opens those).</summary>
    private (IBlockBackend? Floppy, List<DiskSpec> HardDisks) BootDisks(List<DiskSpec> disks)
    {
        IBlockBackend? floppy = null;
        if (_bootImage is not null)
        {
            if (!DiskSpec.TryParse(_bootImage, out var spec, out var error))
                throw new UserError($"image: {error}", ExitCodes.Usage);
            var image = OpenDisk(spec);
            if (BiosDrive.IsFloppySize(image.CapacityBytes))
                floppy = image;
            else if (_deviceProcess is not null)
            {
                // The device process serves the hard disk: the machine checks that it is this image.
                _remoteDisks.Insert(0, spec.Path);
                _resources.Remove(image);
                image.Dispose();
            }
            else
            {
                disks.Insert(0, spec);
                if (disks.Count > VirtualMachine.MaxHardDisks)
                    throw new UserError($"the image and {disks.Count - 1} --disk make {disks.Count} hard disks; at most {VirtualMachine.MaxHardDisks} can be attached", ExitCodes.Usage);
                _resources.Remove(image);
                image.Dispose(); // checked here; the machine opens it as an ATA disk
            }
        }
        if (_options.Floppy is { } floppyText)
        {
            if (floppy is not null)
                throw new UserError($"--floppy: drive A: already holds '{_bootImage}' (a floppy-sized image); give one floppy", ExitCodes.Usage);
            if (!DiskSpec.TryParse(floppyText, out var spec, out var error))
                throw new UserError($"--floppy: {error}", ExitCodes.Usage);
            floppy = OpenDisk(spec);
            if (!BiosDrive.IsFloppySize(floppy.CapacityBytes))
                throw new UserError($"--floppy: '{spec.Path}' is {floppy.CapacityBytes:N0} bytes, not a floppy size (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M or 2.88M)");
        }
        return (floppy, disks);
    }

    private RawImageBackend OpenDisk(DiskSpec spec)
    {
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

    private static void Snapshot(Action action)
    {
        try
        {
            action();
        }
        catch (SnapshotException e)
        {
            throw new UserError(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"snapshot: {e.Message}");
        }
    }

    private void WriteScreenshot(string path)
    {
        var mode = Machine.Display.Mode;
        if (mode.Kind == ScreenKind.Unsupported)
            throw new UserError($"--screenshot: the guest is in video mode {mode.Description}, which Emu cannot draw (it draws text modes and mode 13h); '{path}' was not written");
        using var file = OpenFile("--screenshot", path);
        Machine.Display.TryWritePng(file);
    }

    private Stream? OpenOutput(string target, string option) => target switch
    {
        "none" => null,
        "stdio" => GuardedOutput.StandardOutput,
        _ => OpenFile(option, target),
    };

    /// <summary>Creates an output file. A regular file is locked (flock, exclusive) for the whole run, so two emus
    /// never interleave in one: the second is refused before it truncates the file. Devices and FIFOs are not locked.</summary>
    private GuardedOutput OpenFile(string option, string path)
    {
        try
        {
            var share = HostFile.KindOf(path) is FileKind.Regular or FileKind.Missing ? FileShare.None : FileShare.ReadWrite;
            var output = new GuardedOutput(new FileStream(path, FileMode.Create, FileAccess.Write, share), option, path);
            _resources.Add(output);
            return output;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw ErrorWords.CannotWrite(option, path, e);
        }
    }

    private ITraceSink OpenTrace(string path, string format, long nsPerInstruction)
    {
        var writer = new StreamWriter(OpenFile("--trace", path), new System.Text.UTF8Encoding(false)) { AutoFlush = false };
        return format switch
        {
            "jsonl" => new JsonlTraceSink(writer),
            "chrome" => new ChromeTraceSink(writer, nsPerInstruction),
            _ => new TextTraceSink(writer),
        };
    }

    /// <summary>Writes out what the outputs still hold and ends the trace (its last lines, a closing bracket),
    /// so that an output that cannot take it fails here, as the run's one error.</summary>
    private void FlushOutputs()
    {
        Machine.Config.DebugConsoleOutput?.Flush();
        Machine.Config.SerialOutput?.Flush();
        if (Machine.Tracer is { } tracer)
        {
            Machine.Tracer = null;
            tracer.Dispose();
        }
    }

    public void Dispose()
    {
        // The machine first: it flushes and closes the disks. An output failing here can only be one that an
        // earlier error cut short (a finished run flushed them all), and that earlier error is the one reported.
        try
        {
            Machine?.Dispose();
        }
        catch (UserError)
        {
        }
        foreach (var r in _resources)
        {
            try
            {
                r.Dispose();
            }
            catch (UserError)
            {
            }
        }
    }
}
