using Emu.Cli.Verbs;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Tracing;

namespace Emu.Cli;

/// <summary>
/// One run of a machine from the command line: turns options into a <see cref="MachineConfig"/>
/// (each bad value is one clear error), opens the console, serial and trace destinations, runs with
/// the limits and Ctrl-C, then prints statistics and the screen and maps the outcome to an exit status.
/// </summary>
internal sealed class MachineSession : IDisposable
{
    private readonly MachineOptions _options;
    private readonly List<IDisposable> _resources = [];
    private Stream? _stdout;

    private MachineSession(MachineOptions options) => _options = options;

    public VirtualMachine Machine { get; private set; } = null!;

    public static MachineSession Create(MachineOptions options)
    {
        var session = new MachineSession(options);
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

        DateTime? rtcStart = o.Rtc.ToLowerInvariant() switch
        {
            "fixed" => null,
            "host" => DateTime.Now,
            _ => DateTime.TryParse(o.Rtc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date)
                && date.Year is >= 1980 and <= 2099
                ? date
                : throw new UserError($"--rtc '{o.Rtc}' is not fixed, host or a date between 1980 and 2099 (e.g. 2026-11-24T12:00:00)", ExitCodes.Usage),
        };
        var virtio = VirtioOptions.Parse(o);
        var config = new MachineConfig
        {
            VirtioDisk = virtio.Disk,
            VirtioNotify = virtio.Mode,
            VirtioPollInterval = virtio.PollInterval,
            RtcStart = rtcStart,
            Cpu = model,
            MemoryKiB = o.MemoryKiB,
            NanosecondsPerInstruction = o.NanosecondsPerInstruction,
            DebugConsoleOutput = OpenOutput(o.DebugCon, "--debugcon"),
            SerialOutput = OpenOutput(o.Serial, "--serial"),
            SerialInput = o.SerialInput is null ? null : System.Text.Encoding.Latin1.GetBytes(Unescape(o.SerialInput)),
            Keys = o.Keys is null ? null : Unescape(o.Keys),
        };
        try
        {
            Machine = new VirtualMachine(config);
        }
        catch (Emu.Io.Storage.DiskImageException e)
        {
            throw new UserError($"--virtio-disk: {e.Message}");
        }
        Machine.Stats.TimingEnabled = o.TraceHostTime;
        if (o.Trace is not null)
            Machine.Tracer = new Tracer(OpenTrace(o.Trace, format, config.NanosecondsPerInstruction), events, o.TraceHostTime);
    }

    /// <summary>Runs to the end and returns the process exit status; prints why on stderr when it is not 0.</summary>
    public int RunToEnd()
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

        if (_options.Stats)
            Machine.Stats.WriteTable(Console.Error);
        if (_options.Screen)
            ScreenPrinter.Print(Machine, Console.Out);
        if (_options.Screenshot is string png)
            WriteScreenshot(png);
        if (outcome.ExitCode != 0)
            Console.Error.WriteLine($"emu: {outcome.Message}");
        return outcome.ExitCode;
    }

    private void WriteScreenshot(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
            Machine.WriteMode13Png(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"--screenshot: cannot write '{path}': {e.Message}");
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
