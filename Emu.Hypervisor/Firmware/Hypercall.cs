namespace Emu.Hypervisor.Firmware;

/// <summary>
/// The hypercall numbers the firmware uses (AX at VMCALL); docs/HYPERCALLS.md is the reference and
/// guest-images/firmware/bios.asm the other side. Frame services (<see cref="Video"/>,
/// <see cref="Disk"/>) are entered from an interrupt stub that pushed the caller's AX: see
/// <see cref="BiosFrame"/>.
/// </summary>
public static class Hypercall
{
    /// <summary>POST asks for the machine's configuration: BL floppy type (0 = none), BH hard disks,
    /// CL disk driver mode, DX conventional memory in KiB; AX = 0.</summary>
    public const ushort GetConfig = 0x0001;
    /// <summary>End of POST: AX = 1 and CX:DX = entry, SI = stack pointer (SS = CX) when `emu run` gave a
    /// program (loaded now); AX = 0 otherwise (boot from disk).</summary>
    public const ushort StartProgram = 0x0002;
    /// <summary>Ends the run; DS:SI is a zero-terminated one-line reason (at most 200 bytes are read).</summary>
    public const ushort Stop = 0x0003;
    /// <summary>BL = interrupt, BH = function the firmware does not implement: counted for --stats.</summary>
    public const ushort Unsupported = 0x0004;
    /// <summary>BL = a set-1 scancode INT 09h read: translated (US layout) into the keyboard buffer.</summary>
    public const ushort Key = 0x0009;
    /// <summary>The guest OS marks its layers: BH = 1 enter, 0 leave layer BL (<see cref="Statistics.GuestLayer"/>);
    /// BH = 2 asks whether anyone listens (AX = 0: yes, mark; 1: no, don't).</summary>
    public const ushort Layer = 0x0020;
    /// <summary>INT 10h video, on the caller's frame.</summary>
    public const ushort Video = 0x0010;
    /// <summary>INT 13h disk, on the caller's frame.</summary>
    public const ushort Disk = 0x0013;
}

/// <summary>Which driver the BIOS's INT 13h uses for hard disks (floppies always use the hypercall).</summary>
public enum BiosDiskMode
{
    /// <summary>The VMM reads and writes the backend directly (one exit per INT 13h call).</summary>
    Hypercall = 0,
    /// <summary>Guest code drives the emulated ATA controller with PIO.</summary>
    Pio = 1,
    /// <summary>Guest code drives the ATA controller with bus-master DMA.</summary>
    Dma = 2,
    /// <summary>Guest code drives the virtio-blk device (drive 80h, the ATA disks after it); a 386 is needed
    /// (32-bit MMIO): below that, or without a virtio disk, the BIOS uses the hypercall driver.</summary>
    Virtio = 3,
}
