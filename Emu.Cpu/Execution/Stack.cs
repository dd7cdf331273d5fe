using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>PUSH, POP (registers, segments, memory, immediates), PUSHA/POPA, PUSHF/POPF, ENTER, LEAVE.</summary>
internal static unsafe class Stack
{
    public static void Register()
    {
    }

    /// <summary>POP to a segment register (including the 8086's POP CS, opcode 0F).</summary>
    internal static void PopSegment(Cpu c, ref DecodedOp op)
    {
        uint v = c.Pop16();
        c.LoadSegment(op.Reg0, v);
        c.SegmentLoaded(op.Reg0);
    }
}
