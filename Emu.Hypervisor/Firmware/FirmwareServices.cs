using Emu.Cpu;
using Emu.Hypervisor.Loader;
using Emu.Hypervisor.Statistics;
using Emu.Memory;

namespace Emu.Hypervisor.Firmware;

/// <summary>
/// The VMM's half of the BIOS: registers the hypercalls of docs/HYPERCALLS.md on a machine and
/// holds what they need (the drives, the program `emu run` gave). Guest registers are inputs, never
/// trusted: each service checks every pointer and length it uses.
/// </summary>
public sealed class FirmwareServices
{
    /// <summary>Where the firmware image is mapped (64 KiB of ROM up to the end of the first megabyte).</summary>
    public const uint RomBase = 0xF_0000;
    public const int RomSize = 0x1_0000;
    /// <summary>The longest stop reason read from the guest.</summary>
    private const int MaxReasonLength = 200;

    private readonly Processor _cpu;
    private readonly GuestMemory _memory;
    private readonly MachineConfig _config;
    private readonly ExitStatistics _stats;
    private readonly ExitDispatcher _observers;
    private readonly VideoService _video;
    private readonly DiskService _disk;
    private readonly KeyboardService _keyboard;
    private byte[]? _program, _given;
    private SegmentedAddress _programAddress;

    /// <param name="cpu">Whose registers carry each call's arguments and results.</param>
    /// <param name="memory">Guest memory: the BDA, video memory, the buffers the guest names, where programs load.</param>
    /// <param name="config">What GetConfig reports (the disk driver mode, the memory size).</param>
    /// <param name="stats">Where calls of services the firmware does not implement are counted.</param>
    /// <param name="observers">Who listens to the guest's Layer marks (the layer accounting and the trace), as the run sets them.</param>
    /// <param name="drives">The drives INT 13h serves (<see cref="BiosDrive.All"/>).</param>
    internal FirmwareServices(Processor cpu, GuestMemory memory, MachineConfig config, ExitStatistics stats, ExitDispatcher observers,
        IReadOnlyList<BiosDrive> drives)
    {
        _cpu = cpu;
        _memory = memory;
        _config = config;
        _stats = stats;
        _observers = observers;
        Drives = drives;
        _video = new VideoService(cpu, memory, stats);
        _disk = new DiskService(cpu, memory, drives, stats);
        _keyboard = new KeyboardService(cpu, memory);
    }

    /// <summary>Layer hypercalls nobody recorded (a guest that marks without asking first).</summary>
    public long UnrecordedLayerMarks { get; private set; }

    // BH = 2: the question the OS asks once at boot; it marks only when told yes (the machine has a layer
    // accounting: --layers or a trace), so other runs take no exit for them. A mark goes to the accounting and
    // the trace.
    private void Layer()
    {
        var cpu = _cpu;
        byte op = (byte)(cpu.BX >> 8);
        var layer = (Statistics.GuestLayer)(byte)cpu.BX;
        if (op == 2)
        {
            cpu.AX = (ushort)(_observers.Layers is null ? 1 : 0);
            return;
        }
        if (op > 1 || _observers.Layers is not { } layers)
        {
            UnrecordedLayerMarks++;
            return;
        }
        bool enter = op == 1;
        int changed = layers.Mark(enter, layer);
        if (changed > 0)
            _observers.Tracer?.Layer(_cpu, enter, layer, changed);
    }

    /// <summary>Puts the services of docs/HYPERCALLS.md in the machine's table (at build time).</summary>
    internal void Register(HypercallTable table)
    {
        table.Add(Hypercall.GetConfig, GetConfig);
        table.Add(Hypercall.StartProgram, StartProgram);
        table.Add(Hypercall.Stop, Stop);
        table.Add(Hypercall.Unsupported, () => _stats.CountUnsupported((byte)_cpu.BX, (byte)(_cpu.BX >> 8)));
        table.Add(Hypercall.Key, _keyboard.Handle);
        table.Add(Hypercall.Video, _video.Handle);
        table.Add(Hypercall.Disk, _disk.Handle);
        table.Add(Hypercall.Layer, Layer);
    }

    /// <summary>A machine reset: the program `emu run` gave is loaded again at the end of the next POST, as a
    /// boot disk left in the drive boots again.</summary>
    internal void Reset() => _program = _given;

    /// <summary>The drives INT 13h serves: the floppy (00h) first, then hard disks 80h, 81h...</summary>
    public IReadOnlyList<BiosDrive> Drives { get; }

    /// <summary>The BIOS's keyboard buffer (0040:001E) holds keys a program has not read with INT 16h yet.</summary>
    public bool KeysBuffered => _keyboard.HasBufferedKeys;

    /// <summary>Set when the firmware ended the run (nothing to boot): the one-line reason.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Gives the BIOS a program to load at the end of POST (emu run): checked now, loaded then.</summary>
    public void SetProgram(byte[] program, SegmentedAddress at)
    {
        FlatBinaryLoader.CheckFits(_memory, program.Length, at); // now, not at the end of POST
        _program = _given = program;
        _programAddress = at;
    }

    private void GetConfig()
    {
        var cpu = _cpu;
        byte floppyType = Drives.FirstOrDefault(d => d.IsFloppy)?.FloppyType ?? 0;
        int hardDisks = Drives.Count(d => !d.IsFloppy);
        cpu.BX = (ushort)(hardDisks << 8 | floppyType);
        // The BIOS decides what it can drive: DMA needs a 386 (PCI configuration cycles, else PIO),
        // virtio a 386 (32-bit MMIO) and a virtio-blk device (else the hypercall driver).
        cpu.CX = (ushort)_config.BiosDisk;
        cpu.DX = (ushort)Math.Clamp(_config.MemoryKiB, 16, 640);
        cpu.AX = 0;
    }

    // Loads the program once; a second call (a guest replaying POST) finds none.
    private void StartProgram()
    {
        var cpu = _cpu;
        if (_program is null)
        {
            cpu.AX = 0;
            return;
        }
        FlatBinaryLoader.Load(_memory, _program, _programAddress);
        _program = null;
        cpu.AX = 1;
        cpu.CX = _programAddress.Segment;
        cpu.DX = _programAddress.Offset;
        cpu.SI = _programAddress.Offset >= 0x100 ? _programAddress.Offset : (ushort)0xFFFE;
    }

    private void Stop()
    {
        var cpu = _cpu;
        var text = new System.Text.StringBuilder();
        uint segment = (uint)cpu.DS << 4;
        ushort offset = cpu.SI;
        for (int i = 0; i < MaxReasonLength; i++)
        {
            byte b = _memory.Peek8(segment + offset++);
            if (b == 0)
                break;
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }
        StopReason = text.Length > 0 ? text.ToString() : "the firmware stopped the machine";
        cpu.RequestStop();
    }
}
