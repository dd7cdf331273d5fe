using Emu.Hypervisor.Loader;

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

    private readonly VirtualMachine _vm;
    private readonly VideoService _video;
    private readonly DiskService _disk;
    private readonly KeyboardService _keyboard;
    private byte[]? _program, _given;
    private SegmentedAddress _programAddress;

    internal FirmwareServices(VirtualMachine vm)
    {
        _vm = vm;
        var drives = new List<BiosDrive>();
        if (vm.Config.Floppy is { } floppy)
            drives.Add(BiosDrive.Floppy(floppy));
        // The hard disks are the machine's ATA disks, numbered 80h, 81h... in channel order.
        for (int i = 0; i < VirtualMachine.MaxHardDisks; i++)
        {
            if (vm.Disk(i) is { } disk)
                drives.Add(BiosDrive.HardDisk(drives.Count(d => !d.IsFloppy), disk));
        }
        Drives = drives;
        _video = new VideoService(vm, this);
        _disk = new DiskService(vm, this, drives);
        _keyboard = new KeyboardService(vm);
    }

    /// <summary>Layer hypercalls nobody recorded (a guest that marks without asking first).</summary>
    public long UnrecordedLayerMarks { get; private set; }

    // BH = 2: the question the OS asks once at boot; it marks only when told yes (the machine has a layer
    // accounting: --layers or a trace), so other runs take no exit for them. A mark goes to the accounting and
    // the trace.
    private void Layer()
    {
        var cpu = _vm.Cpu;
        byte op = (byte)(cpu.BX >> 8);
        var layer = (Statistics.GuestLayer)(byte)cpu.BX;
        if (op == 2)
        {
            cpu.AX = (ushort)(_vm.Layers is null ? 1 : 0);
            return;
        }
        if (op > 1 || _vm.Layers is not { } layers)
        {
            UnrecordedLayerMarks++;
            return;
        }
        bool enter = op == 1;
        int changed = layers.Mark(enter, layer);
        if (changed > 0)
            _vm.Tracer?.Layer(_vm.Cpu, enter, layer, changed);
    }

    /// <summary>Puts the services of docs/HYPERCALLS.md in the machine's table (at build time).</summary>
    internal void Register(HypercallTable table)
    {
        table.Add(Hypercall.GetConfig, GetConfig);
        table.Add(Hypercall.StartProgram, StartProgram);
        table.Add(Hypercall.Stop, Stop);
        table.Add(Hypercall.Unsupported, () => CountUnsupported((byte)_vm.Cpu.BX, (byte)(_vm.Cpu.BX >> 8)));
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
        FlatBinaryLoader.CheckFits(_vm.Memory, program.Length, at); // now, not at the end of POST
        _program = _given = program;
        _programAddress = at;
    }

    internal void CountUnsupported(byte interrupt, byte function)
    {
        string key = $"INT {interrupt:X2}/AH={function:X2}";
        var map = _vm.Stats.UnsupportedServices;
        map[key] = map.GetValueOrDefault(key) + 1;
    }

    private void GetConfig()
    {
        var cpu = _vm.Cpu;
        byte floppyType = Drives.FirstOrDefault(d => d.IsFloppy)?.FloppyType ?? 0;
        int hardDisks = Drives.Count(d => !d.IsFloppy);
        cpu.BX = (ushort)(hardDisks << 8 | floppyType);
        // The BIOS decides what it can drive: DMA needs a 386 (PCI configuration cycles, else PIO),
        // virtio a 386 (32-bit MMIO) and a virtio-blk device (else the hypercall driver).
        cpu.CX = (ushort)_vm.Config.BiosDisk;
        cpu.DX = (ushort)Math.Clamp(_vm.Config.MemoryKiB, 16, 640);
        cpu.AX = 0;
    }

    // Loads the program once; a second call (a guest replaying POST) finds none.
    private void StartProgram()
    {
        var cpu = _vm.Cpu;
        if (_program is null)
        {
            cpu.AX = 0;
            return;
        }
        FlatBinaryLoader.Load(_vm.Memory, _program, _programAddress);
        _program = null;
        cpu.AX = 1;
        cpu.CX = _programAddress.Segment;
        cpu.DX = _programAddress.Offset;
        cpu.SI = _programAddress.Offset >= 0x100 ? _programAddress.Offset : (ushort)0xFFFE;
    }

    private void Stop()
    {
        var cpu = _vm.Cpu;
        var text = new System.Text.StringBuilder();
        uint segment = (uint)cpu.DS << 4;
        ushort offset = cpu.SI;
        for (int i = 0; i < MaxReasonLength; i++)
        {
            byte b = _vm.Memory.Peek8(segment + offset++);
            if (b == 0)
                break;
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }
        StopReason = text.Length > 0 ? text.ToString() : "the firmware stopped the machine";
        cpu.RequestStop();
    }
}
