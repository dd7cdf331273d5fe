using Emu.Hypervisor;

namespace Emu.Hypervisor.Tests;

/// <summary>Runs a shipped guest image on a fresh machine and captures what it printed.</summary>
internal sealed class GuestRunner : IDisposable
{
    private readonly MemoryStream _console = new();
    private readonly MemoryStream _serial = new();

    /// <param name="image">A file under guest-images, or "" for a lone HLT.</param>
    public GuestRunner(string image, Emu.Cpu.CpuModel cpu = Emu.Cpu.CpuModel.I386, StringWriter? trace = null, string traceFormat = "text",
        IReadOnlyList<Emu.Io.Storage.DiskSpec>? disks = null, string? serialInput = null, Emu.Io.Storage.DiskSpec? virtioDisk = null)
        : this(image.Length > 0 ? File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, image)) : [0xF4], cpu, trace, traceFormat, disks, serialInput, virtioDisk)
    {
    }

    /// <summary>Runs <paramref name="program"/>, machine code loaded at 0000:7C00.</summary>
    public GuestRunner(byte[] program, Emu.Cpu.CpuModel cpu = Emu.Cpu.CpuModel.I386, StringWriter? trace = null, string traceFormat = "text",
        IReadOnlyList<Emu.Io.Storage.DiskSpec>? disks = null, string? serialInput = null, Emu.Io.Storage.DiskSpec? virtioDisk = null)
    {
        Machine = new VirtualMachine(new MachineConfig
        {
            Cpu = cpu,
            DebugConsoleOutput = _console,
            SerialOutput = _serial,
            HardDisks = disks ?? [],
            VirtioDisk = virtioDisk,
            SerialInput = serialInput is null ? null : System.Text.Encoding.Latin1.GetBytes(serialInput),
        });
        if (trace is not null)
        {
            ITraceSink sink = traceFormat switch
            {
                "jsonl" => new JsonlTraceSink(trace, ownsWriter: false),
                "chrome" => new ChromeTraceSink(trace, 100, ownsWriter: false),
                _ => new TextTraceSink(trace, ownsWriter: false),
            };
            Machine.Tracer = new Tracer(sink, TraceEvents.Default, hostTime: false);
        }
        FlatBinaryLoader.Load(Machine.Memory, program, SegmentedAddress.BootSector);
        BareStart.Prepare(Machine, SegmentedAddress.BootSector);
    }

    public VirtualMachine Machine { get; }

    public RunOutcome Run(RunLimits? limits = null)
    {
        var outcome = Machine.Run(limits ?? new RunLimits { MaxInstructions = 50_000_000 });
        Machine.Tracer?.Dispose();
        Machine.Tracer = null;
        return outcome;
    }

    public string Console => System.Text.Encoding.Latin1.GetString(_console.ToArray());
    public string Serial => System.Text.Encoding.Latin1.GetString(_serial.ToArray());

    public void Dispose() => Machine.Dispose();
}
