using Emu.Cpu;

namespace Emu.Hypervisor.Loader;

/// <summary>Registers for a program started without firmware: as a BIOS hands over a boot sector.</summary>
public static class BareStart
{
    /// <summary>CS:IP at the load address, DS = ES = SS = its segment, SP just below the program
    /// (or at the top of the segment when the program starts at offset 0), DL = 80h (first hard
    /// disk, the drive a boot sector is told it came from), interrupts off.</summary>
    public static void Prepare(VirtualMachine vm, SegmentedAddress at)
    {
        var cpu = vm.Cpu;
        cpu.CS = at.Segment;
        cpu.IP = at.Offset;
        cpu.DS = at.Segment;
        cpu.ES = at.Segment;
        cpu.SS = at.Segment;
        cpu.SP = at.Offset >= 0x100 ? at.Offset : (ushort)0xFFFE;
        cpu.Edx = 0x80;
        cpu.Flags = 0;
    }
}
