using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>PUSH, POP (registers, segments, memory, immediates), PUSHA/POPA, PUSHF/POPF, ENTER, LEAVE.</summary>
internal static unsafe class Stack
{
    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Push, &Push, 0, &Specialized.ForPush);
        HandlerTable.Map(Mnemonic.Pop, &Pop, 0, &Specialized.ForPop);
        HandlerTable.Map(Mnemonic.Pusha, &Pusha);
        HandlerTable.Map(Mnemonic.Pushad, &Pusha);
        HandlerTable.Map(Mnemonic.Popa, &Popa);
        HandlerTable.Map(Mnemonic.Popad, &Popa);
        HandlerTable.Map(Mnemonic.Pushf, &Pushf);
        HandlerTable.Map(Mnemonic.Pushfd, &Pushf);
        HandlerTable.Map(Mnemonic.Popf, &Popf);
        HandlerTable.Map(Mnemonic.Popfd, &Popf);
        HandlerTable.Map(Mnemonic.Enter, &Enter);
        HandlerTable.Map(Mnemonic.Leave, &Leave);
    }

    /// <summary>PUSH of a register, segment register, memory operand or immediate. The 8086 and 186
    /// push SP after decrementing it (PUSH SP stores the new value); the 286 and later store the old.</summary>
    internal static void Push(Processor c, ref DecodedOp op)
    {
        uint v;
        if (op.Kind0 == OperandKind.Reg16 && op.Reg0 == Reg.SP && c.Model <= CpuModel.I186)
            v = c.Regs[Reg.SP] - 2;
        else
            v = c.ReadOperand(ref op, op.Kind0, op.Reg0, c.EaIfMem(ref op));
        c.Push(v, op.Size);
    }

    /// <summary>POP to a register, segment register or memory. A memory destination's address is
    /// computed after SP has moved (it matters for [ESP]-based addressing on the 386).</summary>
    internal static void Pop(Processor c, ref DecodedOp op)
    {
        if (op.Kind0 == OperandKind.Seg)
        {
            PopSegment(c, ref op);
            return;
        }
        uint sp = c.Regs[Reg.SP];
        uint v = c.Pop(op.Size);
        if (op.Kind0 != OperandKind.Mem)
        {
            c.WriteOperand(ref op, op.Kind0, op.Reg0, 0, v);
            return;
        }
        try
        {
            c.WriteOperand(ref op, op.Kind0, op.Reg0, c.Ea(ref op), v);
        }
        catch (CpuFault)
        {
            c.Regs[Reg.SP] = sp; // the fault restarts the POP: the stack must be as it was
            throw;
        }
    }

    /// <summary>POP to a segment register (including the 8086's POP CS, opcode 0F).</summary>
    internal static void PopSegment(Processor c, ref DecodedOp op)
    {
        uint v = c.Pop(op.Size == 4 ? 4 : 2);
        c.LoadSegment(op.Reg0, v & 0xFFFF);
        c.SegmentLoaded(op.Reg0);
    }

    // PUSHA/PUSHAD: AX CX DX BX, SP as it was before the first push, BP SI DI.
    internal static void Pusha(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint sp = c.Regs[Reg.SP];
        for (int r = Reg.AX; r <= Reg.DI; r++)
            c.Push(r == Reg.SP ? sp : c.Regs[r], size);
    }

    // POPA/POPAD: the reverse order; the saved SP is skipped. All eight are read before anything
    // changes, so a segment overrun part-way leaves the registers and SP as they were.
    internal static void Popa(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        Span<uint> values = stackalloc uint[8];
        for (int r = Reg.DI; r >= Reg.AX; r--)
            values[r] = c.PeekStack((uint)((Reg.DI - r) * size), size);
        for (int r = Reg.DI; r >= Reg.AX; r--)
        {
            if (r != Reg.SP)
                c.SetReg(r, size, values[r]);
        }
        c.SetReg16(Reg.SP, c.Regs[Reg.SP] + 8 * (uint)size);
    }

    internal static void Pushf(Processor c, ref DecodedOp op) => c.Push(c.FlagsValue, op.Size);

    internal static void Popf(Processor c, ref DecodedOp op)
    {
        uint v = c.Pop(op.Size);
        c.WriteFlags(v, op.Size == 4 ? 0xFFFF_FFFF : 0xFFFF);
    }

    /// <summary>ENTER size, level: push BP, copy level-1 outer frame pointers from the old frame,
    /// push the new frame pointer, then reserve size bytes below all that. The stack is 16-bit
    /// (real mode), so BP and SP are updated in their low 16 bits.</summary>
    internal static void Enter(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        int level = (int)(op.Imm2 & 31);
        c.Push(c.GetReg(Reg.BP, size), size);
        uint frame = c.Regs[Reg.SP] & 0xFFFF;
        if (level > 0)
        {
            uint bp = c.Regs[Reg.BP];
            for (int i = 1; i < level; i++)
            {
                bp = (bp - (uint)size) & 0xFFFF;
                c.Push(c.ReadMem(Seg.SS, bp, size), size);
            }
            c.Push(frame, size);
        }
        c.SetReg16(Reg.BP, frame);
        c.SetReg16(Reg.SP, c.Regs[Reg.SP] - op.Imm);
    }

    // LEAVE: SP = BP, then pop BP (EBP with a 32-bit operand size). The saved BP is read first, so
    // a segment overrun at SS:BP (BP = FFFF on the 286) leaves SP as it was.
    internal static void Leave(Processor c, ref DecodedOp op)
    {
        uint frame = c.Regs[Reg.BP] & 0xFFFF;
        uint saved = c.ReadMem(Seg.SS, frame, op.Size);
        c.SetReg16(Reg.SP, frame + (uint)op.Size);
        c.SetReg(Reg.BP, op.Size, saved);
    }
}
