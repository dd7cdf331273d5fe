namespace Emu.Cpu;

// Control registers and descriptor-table registers (286/386 real mode; no protected mode).
public sealed partial class Processor
{
    internal uint GdtBase;
    internal ushort GdtLimit;
    internal uint Cr2, Cr3;
    internal readonly uint[] DebugRegisters = new uint[8];

    /// <summary>CR0 (the 286's MSW is its low 16 bits). PE is never set: there is no protected mode.</summary>
    public uint Cr0 { get; internal set; }

    /// <summary>Writes CR0. Setting PE (or PG) would enter protected mode, which Emu does not
    /// emulate: the machine stops with a clear message instead of running on wrongly.</summary>
    internal void SetCr0(uint value)
    {
        if ((value & 0x8000_0001) != 0)
        {
            StopWith(StopReason.InvalidState, new CpuStop(StopCause.ProtectedMode, InstructionCs, InstructionIp, value));
            return;
        }
        Cr0 = value;
    }

    internal uint ReadControlRegister(int n) => n switch
    {
        0 => Cr0,
        2 => Cr2,
        3 => Cr3,
        _ => 0,
    };

    internal void WriteControlRegister(int n, uint value)
    {
        switch (n)
        {
            case 0: SetCr0(value); break;
            case 2: Cr2 = value; break;
            case 3: Cr3 = value; break;
        }
    }
}
