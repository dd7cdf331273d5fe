using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>JMP, CALL, RET, RETF, Jcc, JCXZ, LOOP*, INT, INT3, INTO, INT1, IRET, BOUND.</summary>
internal static unsafe class Control
{
    // LOOP Sub values: the low two bits pick the condition, bit 2 says the counter is ECX.
    private const byte Loop = 0, LoopE = 1, LoopNE = 2, Ecx = 4;

    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Jmp, &Jmp, 0, &Specialized.ForJmp);
        HandlerTable.Map(Code.Jmp_ptr1616, &JmpFar);
        HandlerTable.Map(Code.Jmp_ptr1632, &JmpFar);
        HandlerTable.Map(Code.Jmp_m1616, &JmpFarIndirect);
        HandlerTable.Map(Code.Jmp_m1632, &JmpFarIndirect);
        HandlerTable.Map(Mnemonic.Call, &Call, 0, &Specialized.ForCall);
        HandlerTable.Map(Code.Call_ptr1616, &CallFar, 0, &Specialized.ForCallFar);
        HandlerTable.Map(Code.Call_ptr1632, &CallFar);
        HandlerTable.Map(Code.Call_m1616, &CallFarIndirect);
        HandlerTable.Map(Code.Call_m1632, &CallFarIndirect);
        HandlerTable.Map(Mnemonic.Ret, &Ret, 0, &Specialized.ForRet);
        HandlerTable.Map(Mnemonic.Retf, &Retf, 0, &Specialized.ForRetf);

        Mnemonic[] jcc =
        [
            Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
            Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
        ];
        for (int cc = 0; cc < jcc.Length; cc++)
            HandlerTable.Map(jcc[cc], &Jcc, (byte)cc, &Specialized.ForJcc);

        HandlerTable.Map(Mnemonic.Jcxz, &Jcxz, 0, &Specialized.ForJcxz);
        HandlerTable.Map(Mnemonic.Jecxz, &Jcxz, Ecx);
        HandlerTable.Map(Code.Loop_rel8_16_CX, &LoopCount, Loop, &Specialized.ForLoopCx);
        HandlerTable.Map(Code.Loop_rel8_32_CX, &LoopCount, Loop);
        HandlerTable.Map(Code.Loop_rel8_16_ECX, &LoopCount, Loop | Ecx);
        HandlerTable.Map(Code.Loop_rel8_32_ECX, &LoopCount, Loop | Ecx);
        HandlerTable.Map(Code.Loope_rel8_16_CX, &LoopCount, LoopE);
        HandlerTable.Map(Code.Loope_rel8_32_CX, &LoopCount, LoopE);
        HandlerTable.Map(Code.Loope_rel8_16_ECX, &LoopCount, LoopE | Ecx);
        HandlerTable.Map(Code.Loope_rel8_32_ECX, &LoopCount, LoopE | Ecx);
        HandlerTable.Map(Code.Loopne_rel8_16_CX, &LoopCount, LoopNE);
        HandlerTable.Map(Code.Loopne_rel8_32_CX, &LoopCount, LoopNE);
        HandlerTable.Map(Code.Loopne_rel8_16_ECX, &LoopCount, LoopNE | Ecx);
        HandlerTable.Map(Code.Loopne_rel8_32_ECX, &LoopCount, LoopNE | Ecx);

        HandlerTable.Map(Mnemonic.Int, &Int);
        HandlerTable.Map(Mnemonic.Int3, &IntFixed, 3);
        HandlerTable.Map(Mnemonic.Int1, &IntFixed, 1);
        HandlerTable.Map(Mnemonic.Into, &Into);
        HandlerTable.Map(Mnemonic.Iret, &Iret, 0, &Specialized.ForIret);
        HandlerTable.Map(Mnemonic.Iretd, &Iret);
        HandlerTable.Map(Mnemonic.Bound, &Bound);
    }

    /// <summary>Loads IP with a near target. A 16-bit target has already wrapped at 64 KiB (Iced
    /// computes relative targets in the operand size); a 32-bit one beyond the real-mode CS limit
    /// is #GP and nothing changes.</summary>
    private static void NearJump(Processor c, uint target)
    {
        if (target > 0xFFFF)
            c.RaiseException(13);
        else
            c.Eip = target;
    }

    private static void FarJump(Processor c, uint selector, uint offset)
    {
        if (offset > 0xFFFF)
            c.RaiseException(13);
        else
            c.JumpFar(selector, offset);
    }

    /// <summary>Target of a near JMP/CALL: next IP plus the displacement for relative forms, else the r/m operand.</summary>
    private static uint NearTarget(Processor c, ref DecodedOp op) =>
        op.Kind0 == OperandKind.Imm ? RelativeTarget(c, ref op) : c.ReadOperand(ref op, op.Kind0, op.Reg0, c.EaIfMem(ref op));

    /// <summary>Next IP plus the branch displacement, wrapped to the operand size as the CPU does.</summary>
    private static uint RelativeTarget(Processor c, ref DecodedOp op)
    {
        uint target = c.Eip + op.Imm;
        return op.Size == 4 ? target : target & 0xFFFF;
    }

    /// <summary>Offset and selector of a far indirect operand (m16:16 or m16:32); see
    /// <see cref="Processor.OperandPart"/> for where the selector is read.</summary>
    private static (uint Selector, uint Offset) FarPointer(Processor c, ref DecodedOp op)
    {
        uint ea = c.Ea(ref op);
        int offsetSize = op.MemSize - 2;
        uint selectorAt = c.OperandPart(ref op, ea, (uint)offsetSize, op.MemSize);
        uint offset = c.ReadMem(op.Seg, ea, offsetSize);
        return (c.ReadMem16(op.Seg, selectorAt), offset);
    }

    internal static void Jmp(Processor c, ref DecodedOp op) => NearJump(c, NearTarget(c, ref op));

    internal static void JmpFar(Processor c, ref DecodedOp op) => FarJump(c, op.Imm2, op.Imm);

    internal static void JmpFarIndirect(Processor c, ref DecodedOp op)
    {
        var (selector, offset) = FarPointer(c, ref op);
        FarJump(c, selector, offset);
    }

    // The target is read before the push, so CALL [mem] and CALL SP see the stack as it was.
    internal static void Call(Processor c, ref DecodedOp op)
    {
        uint target = NearTarget(c, ref op);
        if (target > 0xFFFF)
        {
            c.RaiseException(13);
            return;
        }
        c.Push(c.Eip, op.Size);
        c.Eip = target;
    }

    internal static void CallFar(Processor c, ref DecodedOp op) => CallFarTo(c, op.Imm2, op.Imm, op.Size);

    internal static void CallFarIndirect(Processor c, ref DecodedOp op)
    {
        var (selector, offset) = FarPointer(c, ref op);
        CallFarTo(c, selector, offset, op.MemSize - 2);
    }

    private static void CallFarTo(Processor c, uint selector, uint offset, int size)
    {
        if (offset > 0xFFFF)
        {
            c.RaiseException(13);
            return;
        }
        c.Push(c.Sregs[Seg.CS], size);
        c.Push(c.Eip, size);
        c.JumpFar(selector, offset);
    }

    // RET imm16 releases imm16 bytes of arguments after popping the return address. A 32-bit
    // offset beyond the real-mode CS limit is #GP with the stack untouched (the fault restarts RET).
    internal static void Ret(Processor c, ref DecodedOp op)
    {
        uint target = c.PeekStack(0, op.Size);
        if (target > 0xFFFF)
        {
            c.RaiseException(13);
            return;
        }
        c.Eip = target;
        c.SetReg16(Reg.SP, c.Regs[Reg.SP] + (uint)op.Size + op.Imm);
    }

    // RETF [imm16]: both words are read before SP moves (see Processor.PeekStack).
    internal static void Retf(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint offset = c.PeekStack(0, size);
        uint selector = c.PeekStack((uint)size, size);
        if (offset > 0xFFFF)
        {
            c.RaiseException(13);
            return;
        }
        c.JumpFar(selector, offset);
        c.SetReg16(Reg.SP, c.Regs[Reg.SP] + 2 * (uint)size + op.Imm);
    }

    internal static void Jcc(Processor c, ref DecodedOp op)
    {
        if (c.FlagState.Condition(op.Sub))
            NearJump(c, RelativeTarget(c, ref op));
    }

    // JCXZ tests CX, JECXZ (address-size prefix) ECX.
    internal static void Jcxz(Processor c, ref DecodedOp op)
    {
        uint count = (op.Sub & Ecx) != 0 ? c.Regs[Reg.CX] : c.Regs[Reg.CX] & 0xFFFF;
        if (count == 0)
            NearJump(c, RelativeTarget(c, ref op));
    }

    // LOOP decrements CX (ECX with a 32-bit address size) without touching the flags.
    internal static void LoopCount(Processor c, ref DecodedOp op)
    {
        uint count;
        if ((op.Sub & Ecx) != 0)
            count = c.Regs[Reg.CX] -= 1;
        else
        {
            count = (c.Regs[Reg.CX] - 1) & 0xFFFF;
            c.SetReg16(Reg.CX, count);
        }
        bool zf = (c.FlagsValue & CpuFlags.ZF) != 0;
        bool take = count != 0 && (op.Sub & 3) switch
        {
            LoopE => zf,
            LoopNE => !zf,
            _ => true,
        };
        if (take)
            NearJump(c, RelativeTarget(c, ref op));
    }

    internal static void Int(Processor c, ref DecodedOp op) => c.SoftwareInterrupt((byte)op.Imm);

    internal static void IntFixed(Processor c, ref DecodedOp op) => c.SoftwareInterrupt(op.Sub);

    internal static void Into(Processor c, ref DecodedOp op)
    {
        if ((c.FlagsValue & CpuFlags.OF) != 0)
            c.SoftwareInterrupt(4);
    }

    // IRET/IRETD: IP, CS, FLAGS; the model decides which FLAGS bits the popped value can change.
    internal static void Iret(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint offset = c.PeekStack(0, size);
        uint selector = c.PeekStack((uint)size, size);
        uint flags = c.PeekStack(2 * (uint)size, size);
        if (offset > 0xFFFF)
        {
            c.RaiseException(13);
            return;
        }
        c.SetReg16(Reg.SP, c.Regs[Reg.SP] + 3 * (uint)size);
        c.JumpFar(selector, offset);
        c.WriteFlags(flags, size == 4 ? 0xFFFF_FFFF : 0xFFFF);
    }

    // BOUND: signed check of the register against [lower, upper] in memory; outside is #BR (INT 5),
    // a fault, so the pushed IP is BOUND's own.
    internal static void Bound(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint ea = c.Ea(ref op);
        uint upperAt = c.OperandPart(ref op, ea, (uint)size, 2 * size);
        uint lower = c.ReadMem(op.Seg, ea, size);
        uint upper = c.ReadMem(op.Seg, upperAt, size);
        uint value = c.GetReg(op.Reg0, size);
        bool inside = size == 4
            ? (int)value >= (int)lower && (int)value <= (int)upper
            : (short)value >= (short)lower && (short)value <= (short)upper;
        if (!inside)
            c.RaiseException(5);
    }
}
