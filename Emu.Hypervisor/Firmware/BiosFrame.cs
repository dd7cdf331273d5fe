using Emu.Cpu;
using Emu.Memory;

namespace Emu.Hypervisor.Firmware;

/// <summary>
/// The stack frame of a BIOS service entered through a stub that did <c>push ax</c> after the INT:
/// SS:SP → caller's AX, IP, CS, FLAGS. The service reads the caller's AX here and writes its result
/// AX and the returned CF/ZF here (the stub pops AX and IRETs). Every word must be guest RAM;
/// a frame that is not (a hostile SS:SP) makes <see cref="Valid"/> false and the call is ignored.
/// </summary>
internal readonly struct BiosFrame
{
    private readonly GuestMemory _memory;
    private readonly ushort _ss;
    private readonly ushort _sp;

    public BiosFrame(Processor cpu)
    {
        _memory = cpu.Memory;
        _ss = cpu.SS;
        _sp = cpu.SP;
        Valid = true;
        for (int i = 0; i < 8; i += 2)
        {
            if (!_memory.IsRamRange(Linear(i), 2))
                Valid = false;
        }
    }

    public bool Valid { get; }

    private uint Linear(int offset) => (((uint)_ss << 4) + (ushort)(_sp + offset)) & _memory.AddressMask;

    private ushort Read(int offset) => _memory.Read16(Linear(offset));

    private void Write(int offset, ushort value) => _memory.Write16(Linear(offset), value);

    public ushort AX
    {
        get => Read(0);
        set => Write(0, value);
    }

    public byte AH
    {
        get => (byte)(AX >> 8);
        set => AX = (ushort)((AX & 0x00FF) | (value << 8));
    }

    public byte AL
    {
        get => (byte)AX;
        set => AX = (ushort)((AX & 0xFF00) | value);
    }

    public bool Carry
    {
        set => SetFlag(CpuFlags.CF, value);
    }

    public bool Zero
    {
        set => SetFlag(CpuFlags.ZF, value);
    }

    private void SetFlag(uint flag, bool on)
    {
        ushort flags = Read(6);
        Write(6, (ushort)(on ? flags | flag : flags & ~flag));
    }
}
