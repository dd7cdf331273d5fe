using System.Runtime.CompilerServices;
using Emu.Cpu.Decoding;

namespace Emu.Cpu.Execution;

/// <summary>
/// Handlers specialised at decode time for the most common operand forms. The generic handlers
/// (<see cref="Arithmetic.Binary"/>, <see cref="DataMovement.Mov"/>, ...) look at the operand kinds,
/// the width and the operation on every execution; these are generic over the width and the
/// operation as types, so the JIT compiles one straight-line copy per combination. Each does
/// exactly what the generic handler does for the forms it is chosen for: same flags, same order
/// of memory accesses, same faults.
/// </summary>
internal static unsafe class Specialized
{
    // Specializers: given a decoded instruction of the family, the handler for its form or 0.
    // Registered beside the generic handlers (HandlerTable.Map) and run once at decode time.

    public static nint ForAlu(ref DecodedOp op) => AluHandler(ref op);

    public static nint ForMov(ref DecodedOp op) => MovHandler(ref op);

    public static nint ForInc(ref DecodedOp op) => IsReg(op.Kind0)
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&IncReg<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&IncReg<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&IncReg<W32>)
        : op.Kind0 == OperandKind.Mem
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&IncMem<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&IncMem<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&IncMem<W32>)
        : 0;

    public static nint ForDec(ref DecodedOp op) => IsReg(op.Kind0)
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&DecReg<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&DecReg<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&DecReg<W32>)
        : op.Kind0 == OperandKind.Mem
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&DecMem<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&DecMem<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&DecMem<W32>)
        : 0;

    public static nint ForNot(ref DecodedOp op) => IsReg(op.Kind0)
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&NotReg<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NotReg<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NotReg<W32>)
        : op.Kind0 == OperandKind.Mem
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&NotMem<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NotMem<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NotMem<W32>)
        : 0;

    public static nint ForNeg(ref DecodedOp op) => IsReg(op.Kind0)
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&NegReg<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NegReg<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NegReg<W32>)
        : op.Kind0 == OperandKind.Mem
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&NegMem<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NegMem<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&NegMem<W32>)
        : 0;

    // XCHG with memory keeps the generic handler (and its order of accesses).
    public static nint ForXchg(ref DecodedOp op) => IsReg(op.Kind0) && IsReg(op.Kind1)
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&XchgRegReg<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&XchgRegReg<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&XchgRegReg<W32>)
        : 0;

    public static nint ForLea(ref DecodedOp op) => IsReg(op.Kind0)
        ? ByWidth(op.Size, 0, (nint)(delegate*<Processor, ref DecodedOp, void>)&LeaReg<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&LeaReg<W32>)
        : 0;

    // A shift or rotate of a register by an immediate count of 1-31: every model shifts by the same count (the
    // 8086 takes all eight bits of it, later CPUs the low five); by CL, the count masked as the model masks it.
    // Registered for all of the group but SAL, which is SETMO on the 8086; a memory operand keeps the generic handler.
    public static nint ForShift(ref DecodedOp op) =>
        IsReg(op.Kind0) && op.Kind1 == OperandKind.Imm && (op.Imm & 0xFF) is >= 1 and <= 31
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&ShiftRegImm<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&ShiftRegImm<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&ShiftRegImm<W32>)
        : IsReg(op.Kind0) && op.Kind1 == OperandKind.Reg8 && op.Reg1 == Reg.CX
        ? ByWidth(op.Size, (nint)(delegate*<Processor, ref DecodedOp, void>)&ShiftRegCl<W8>, (nint)(delegate*<Processor, ref DecodedOp, void>)&ShiftRegCl<W16>, (nint)(delegate*<Processor, ref DecodedOp, void>)&ShiftRegCl<W32>)
        : 0;

    // PUSH SP differs between models (see Stack.Push); it keeps the generic handler.
    public static nint ForPush(ref DecodedOp op) =>
        op.Kind0 == OperandKind.Reg16 && op.Reg0 != Reg.SP ? (nint)(delegate*<Processor, ref DecodedOp, void>)&PushReg16 : 0;

    public static nint ForPop(ref DecodedOp op) =>
        op.Kind0 == OperandKind.Reg16 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&PopReg16 : 0;

    // A 16-bit target wraps at 64 KiB and so can never exceed the CS limit: no check needed.
    public static nint ForJcc(ref DecodedOp op) =>
        op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&Jcc16 : 0;

    // Registered for LOOP with CX only (Control's Sub 0): a 16-bit counter and target.
    public static nint ForLoopCx(ref DecodedOp op) =>
        op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&LoopCx16 : 0;

    // Near CALL/JMP rel16, RET [imm16] and JCXZ with a 16-bit operand size: the target wraps at 64 KiB, so it
    // can never exceed the CS limit (the generic handlers' #GP check and operand-kind tests fall away).
    public static nint ForJmp(ref DecodedOp op) =>
        op.Kind0 == OperandKind.Imm && op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&JmpRel16 : 0;

    public static nint ForCall(ref DecodedOp op) =>
        op.Kind0 == OperandKind.Imm && op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&CallRel16 : 0;

    public static nint ForRet(ref DecodedOp op) =>
        op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&Ret16 : 0;

    // Registered for JCXZ only (Control's Sub 0; JECXZ keeps the generic handler).
    public static nint ForJcxz(ref DecodedOp op) =>
        op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&Jcxz16 : 0;

    // CALL ptr16:16, RETF [imm16], IRET with a 16-bit operand size: a 16-bit offset is always inside the limit.
    public static nint ForCallFar(ref DecodedOp op) =>
        op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&CallFar16 : 0;

    public static nint ForRetf(ref DecodedOp op) =>
        op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&Retf16 : 0;

    public static nint ForIret(ref DecodedOp op) =>
        op.Size == 2 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&Iret16 : 0;

    // MOVZX/MOVSX (Sub 0/1) from a register; from memory they keep the generic handler.
    public static nint ForMovExtend(ref DecodedOp op) => !IsReg(op.Kind0) ? 0 : (op.Sub, op.Size, op.Kind1) switch
    {
        (0, 2, OperandKind.Reg8) => (nint)(delegate*<Processor, ref DecodedOp, void>)&MovExtendRegReg<W16, W8, ZeroExtend>,
        (0, 4, OperandKind.Reg8) => (nint)(delegate*<Processor, ref DecodedOp, void>)&MovExtendRegReg<W32, W8, ZeroExtend>,
        (0, 4, OperandKind.Reg16) => (nint)(delegate*<Processor, ref DecodedOp, void>)&MovExtendRegReg<W32, W16, ZeroExtend>,
        (1, 2, OperandKind.Reg8) => (nint)(delegate*<Processor, ref DecodedOp, void>)&MovExtendRegReg<W16, W8, SignExtend>,
        (1, 4, OperandKind.Reg8) => (nint)(delegate*<Processor, ref DecodedOp, void>)&MovExtendRegReg<W32, W8, SignExtend>,
        (1, 4, OperandKind.Reg16) => (nint)(delegate*<Processor, ref DecodedOp, void>)&MovExtendRegReg<W32, W16, SignExtend>,
        _ => 0,
    };

    // SETcc of a byte register; of memory it keeps the generic handler.
    public static nint ForSetcc(ref DecodedOp op) =>
        op.Kind0 == OperandKind.Reg8 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&SetccReg : 0;

    private static bool IsReg(OperandKind k) => k is OperandKind.Reg8 or OperandKind.Reg16 or OperandKind.Reg32;

    private static nint ByWidth(int size, nint w8, nint w16, nint w32) => size switch
    {
        1 => w8,
        2 => w16,
        4 => w32,
        _ => 0,
    };

    // ---- ALU: ADD OR ADC SBB AND SUB XOR CMP TEST ----

    /// <summary>Operand forms, in the order of <see cref="AluForms{TOp, W}"/>.</summary>
    private enum Form { RegReg, RegImm, RegMem, MemReg, MemImm }

    private static Form? FormOf(ref DecodedOp op)
    {
        bool reg0 = IsReg(op.Kind0), reg1 = IsReg(op.Kind1);
        if (reg0 && reg1) return Form.RegReg;
        if (reg0 && op.Kind1 == OperandKind.Imm) return Form.RegImm;
        if (reg0 && op.Kind1 == OperandKind.Mem) return Form.RegMem;
        if (op.Kind0 == OperandKind.Mem && reg1) return Form.MemReg;
        if (op.Kind0 == OperandKind.Mem && op.Kind1 == OperandKind.Imm) return Form.MemImm;
        return null;
    }

    private static nint AluHandler(ref DecodedOp op)
    {
        if (FormOf(ref op) is not Form form || op.Kind2 != OperandKind.None)
            return 0;
        nint[]? forms = op.Sub switch
        {
            0 => AluTable<AddOp>.Forms(op.Size),
            1 => AluTable<OrOp>.Forms(op.Size),
            2 => AluTable<AdcOp>.Forms(op.Size),
            3 => AluTable<SbbOp>.Forms(op.Size),
            4 => AluTable<AndOp>.Forms(op.Size),
            5 => AluTable<SubOp>.Forms(op.Size),
            6 => AluTable<XorOp>.Forms(op.Size),
            7 => AluTable<CmpOp>.Forms(op.Size),
            8 => AluTable<TestOp>.Forms(op.Size),
            _ => null,
        };
        return forms is null ? 0 : forms[(int)form];
    }

    private static class AluTable<TOp> where TOp : struct, IAluOp
    {
        private static readonly nint[] W8Forms = AluForms<TOp, W8>();
        private static readonly nint[] W16Forms = AluForms<TOp, W16>();
        private static readonly nint[] W32Forms = AluForms<TOp, W32>();

        public static nint[]? Forms(int size) => size switch
        {
            1 => W8Forms,
            2 => W16Forms,
            4 => W32Forms,
            _ => null,
        };
    }

    private static nint[] AluForms<TOp, W>() where TOp : struct, IAluOp where W : struct, IWidth =>
    [
        (nint)(delegate*<Processor, ref DecodedOp, void>)&AluRegReg<TOp, W>,
        (nint)(delegate*<Processor, ref DecodedOp, void>)&AluRegImm<TOp, W>,
        (nint)(delegate*<Processor, ref DecodedOp, void>)&AluRegMem<TOp, W>,
        (nint)(delegate*<Processor, ref DecodedOp, void>)&AluMemReg<TOp, W>,
        (nint)(delegate*<Processor, ref DecodedOp, void>)&AluMemImm<TOp, W>,
    ];

    // Each form is a handler over the decoded instruction and, beside it, the same operation over plain
    // operands: the compiled blocks (Compilation/BlockCompiler.cs) call those with the operands as constants.
    internal static void AluRegReg<TOp, W>(Processor c, ref DecodedOp op) where TOp : struct, IAluOp where W : struct, IWidth =>
        AluRR<TOp, W>(ref c.FlagState, ref Slot<W>(c, op.Reg0), op.Reg0, ref Slot<W>(c, op.Reg1), op.Reg1);

    internal static void AluRegImm<TOp, W>(Processor c, ref DecodedOp op) where TOp : struct, IAluOp where W : struct, IWidth =>
        AluRI<TOp, W>(ref c.FlagState, ref Slot<W>(c, op.Reg0), op.Reg0, op.Imm);

    internal static void AluRegMem<TOp, W>(Processor c, ref DecodedOp op) where TOp : struct, IAluOp where W : struct, IWidth =>
        AluRM<TOp, W>(c, ref c.FlagState, ref Slot<W>(c, op.Reg0), op.Reg0, op.Seg, c.Ea(ref op));

    internal static void AluMemReg<TOp, W>(Processor c, ref DecodedOp op) where TOp : struct, IAluOp where W : struct, IWidth =>
        AluMR<TOp, W>(c, ref c.FlagState, op.Seg, c.Ea(ref op), ref Slot<W>(c, op.Reg1), op.Reg1);

    internal static void AluMemImm<TOp, W>(Processor c, ref DecodedOp op) where TOp : struct, IAluOp where W : struct, IWidth =>
        AluMI<TOp, W>(c, ref c.FlagState, op.Seg, c.Ea(ref op), op.Imm);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AluRR<TOp, W>(ref LazyFlags flags, ref uint slot0, int reg0, ref uint slot1, int reg1) where TOp : struct, IAluOp where W : struct, IWidth
    {
        uint r = TOp.Apply<W>(ref flags, W.GetIn(slot0, reg0), W.GetIn(slot1, reg1));
        if (TOp.WritesResult)
            W.SetIn(ref slot0, reg0, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AluRI<TOp, W>(ref LazyFlags flags, ref uint slot0, int reg0, uint imm) where TOp : struct, IAluOp where W : struct, IWidth
    {
        uint r = TOp.Apply<W>(ref flags, W.GetIn(slot0, reg0), imm & W.Mask);
        if (TOp.WritesResult)
            W.SetIn(ref slot0, reg0, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AluRM<TOp, W>(Processor c, ref LazyFlags flags, ref uint slot0, int reg0, int seg, uint ea) where TOp : struct, IAluOp where W : struct, IWidth
    {
        uint a = W.GetIn(slot0, reg0);
        uint r = TOp.Apply<W>(ref flags, a, W.Read(c, seg, ea));
        if (TOp.WritesResult)
            W.SetIn(ref slot0, reg0, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AluMR<TOp, W>(Processor c, ref LazyFlags flags, int seg, uint ea, ref uint slot1, int reg1) where TOp : struct, IAluOp where W : struct, IWidth
    {
        uint r = TOp.Apply<W>(ref flags, W.Read(c, seg, ea), W.GetIn(slot1, reg1));
        if (TOp.WritesResult)
            W.Write(c, seg, ea, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AluMI<TOp, W>(Processor c, ref LazyFlags flags, int seg, uint ea, uint imm) where TOp : struct, IAluOp where W : struct, IWidth
    {
        uint r = TOp.Apply<W>(ref flags, W.Read(c, seg, ea), imm & W.Mask);
        if (TOp.WritesResult)
            W.Write(c, seg, ea, r);
    }

    // ---- MOV between general registers, memory and immediates ----

    private static nint MovHandler(ref DecodedOp op)
    {
        if (FormOf(ref op) is not Form form || op.Kind2 != OperandKind.None)
            return 0;
        nint[]? forms = op.Size switch
        {
            1 => MovTable<W8>.Forms,
            2 => MovTable<W16>.Forms,
            4 => MovTable<W32>.Forms,
            _ => null,
        };
        return forms is null ? 0 : forms[(int)form];
    }

    private static class MovTable<W> where W : struct, IWidth
    {
        public static readonly nint[] Forms =
        [
            (nint)(delegate*<Processor, ref DecodedOp, void>)&MovRegReg<W>,
            (nint)(delegate*<Processor, ref DecodedOp, void>)&MovRegImm<W>,
            (nint)(delegate*<Processor, ref DecodedOp, void>)&MovRegMem<W>,
            (nint)(delegate*<Processor, ref DecodedOp, void>)&MovMemReg<W>,
            (nint)(delegate*<Processor, ref DecodedOp, void>)&MovMemImm<W>,
        ];
    }

    internal static void MovRegReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => MovRR<W>(ref Slot<W>(c, op.Reg0), op.Reg0, ref Slot<W>(c, op.Reg1), op.Reg1);
    internal static void MovRegImm<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => MovRI<W>(ref Slot<W>(c, op.Reg0), op.Reg0, op.Imm);
    internal static void MovRegMem<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => MovRM<W>(c, ref Slot<W>(c, op.Reg0), op.Reg0, op.Seg, c.Ea(ref op));
    internal static void MovMemReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => MovMR<W>(c, op.Seg, c.Ea(ref op), ref Slot<W>(c, op.Reg1), op.Reg1);
    internal static void MovMemImm<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => MovMI<W>(c, op.Seg, c.Ea(ref op), op.Imm);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MovRR<W>(ref uint slot0, int reg0, ref uint slot1, int reg1) where W : struct, IWidth => W.SetIn(ref slot0, reg0, W.GetIn(slot1, reg1));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MovRI<W>(ref uint slot0, int reg0, uint imm) where W : struct, IWidth => W.SetIn(ref slot0, reg0, imm);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MovRM<W>(Processor c, ref uint slot0, int reg0, int seg, uint ea) where W : struct, IWidth => W.SetIn(ref slot0, reg0, W.Read(c, seg, ea));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MovMR<W>(Processor c, int seg, uint ea, ref uint slot1, int reg1) where W : struct, IWidth => W.Write(c, seg, ea, W.GetIn(slot1, reg1));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MovMI<W>(Processor c, int seg, uint ea, uint imm) where W : struct, IWidth => W.Write(c, seg, ea, imm);

    // ---- INC, DEC of a register: the flags of ADD/SUB 1 except CF, which they leave alone ----
    // (deferred, see LazyFlags.cs)

    internal static void IncReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => IncR<W>(ref c.FlagState, ref Slot<W>(c, op.Reg0), op.Reg0);

    internal static void DecReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => DecR<W>(ref c.FlagState, ref Slot<W>(c, op.Reg0), op.Reg0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IncR<W>(ref LazyFlags flags, ref uint slot, int reg) where W : struct, IWidth =>
        W.SetIn(ref slot, reg, flags.IncDecOp(W.GetIn(slot, reg), true, W.Size));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecR<W>(ref LazyFlags flags, ref uint slot, int reg) where W : struct, IWidth =>
        W.SetIn(ref slot, reg, flags.IncDecOp(W.GetIn(slot, reg), false, W.Size));

    // Of memory: read, the flags recorded, written back. A read that did not fault means the write to the same
    // segment and offset cannot fault either, so the order against the generic handlers' (flags after the write) is
    // not visible.
    internal static void IncMem<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => IncM<W>(c, ref c.FlagState, op.Seg, c.Ea(ref op));

    internal static void DecMem<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => DecM<W>(c, ref c.FlagState, op.Seg, c.Ea(ref op));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IncM<W>(Processor c, ref LazyFlags flags, int seg, uint ea) where W : struct, IWidth =>
        W.Write(c, seg, ea, flags.IncDecOp(W.Read(c, seg, ea), true, W.Size));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecM<W>(Processor c, ref LazyFlags flags, int seg, uint ea) where W : struct, IWidth =>
        W.Write(c, seg, ea, flags.IncDecOp(W.Read(c, seg, ea), false, W.Size));

    // ---- NOT (no flags), NEG (the flags of SUB 0, a, deferred) ----

    internal static void NotReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => NotR<W>(ref Slot<W>(c, op.Reg0), op.Reg0);
    internal static void NotMem<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => NotM<W>(c, op.Seg, c.Ea(ref op));
    internal static void NegReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => NegR<W>(ref c.FlagState, ref Slot<W>(c, op.Reg0), op.Reg0);
    internal static void NegMem<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => NegM<W>(c, ref c.FlagState, op.Seg, c.Ea(ref op));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void NotR<W>(ref uint slot, int reg) where W : struct, IWidth => W.SetIn(ref slot, reg, ~W.GetIn(slot, reg) & W.Mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void NotM<W>(Processor c, int seg, uint ea) where W : struct, IWidth => W.Write(c, seg, ea, ~W.Read(c, seg, ea) & W.Mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void NegR<W>(ref LazyFlags flags, ref uint slot, int reg) where W : struct, IWidth => W.SetIn(ref slot, reg, flags.SubOp(0, W.GetIn(slot, reg), W.Size));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void NegM<W>(Processor c, ref LazyFlags flags, int seg, uint ea) where W : struct, IWidth => W.Write(c, seg, ea, flags.SubOp(0, W.Read(c, seg, ea), W.Size));

    // ---- XCHG r, r; LEA r, m; shifts and rotates of a register by a constant ----

    internal static void XchgRegReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => XchgRR<W>(ref Slot<W>(c, op.Reg0), op.Reg0, ref Slot<W>(c, op.Reg1), op.Reg1);
    internal static void LeaReg<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => LeaR<W>(ref Slot<W>(c, op.Reg0), op.Reg0, c.Ea(ref op));
    internal static void ShiftRegImm<W>(Processor c, ref DecodedOp op) where W : struct, IWidth => ShiftRI<W>(ref c.FlagState, op.Sub, ref Slot<W>(c, op.Reg0), op.Reg0, (int)(op.Imm & 0xFF));

    internal static void ShiftRegCl<W>(Processor c, ref DecodedOp op) where W : struct, IWidth =>
        ShiftRC<W>(c.Model, ref c.FlagState, op.Sub, ref Slot<W>(c, op.Reg0), op.Reg0, c.Regs[Reg.CX]);

    // As Shift.Group by CL: a count of 0 (after the model's mask) changes nothing, not even the flags.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ShiftRC<W>(CpuModel model, ref LazyFlags flags, int sub, ref uint slot, int reg, uint cx) where W : struct, IWidth
    {
        int count = (int)(cx & 0xFF);
        if (model != CpuModel.I8086)
            count &= 31;
        if (count != 0)
            W.SetIn(ref slot, reg, Shift.Apply(ref flags, sub, W.GetIn(slot, reg), count, W.Size));
    }

    // Both are read before either is written: XCHG AL, AH works on one slot.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void XchgRR<W>(ref uint slot0, int reg0, ref uint slot1, int reg1) where W : struct, IWidth
    {
        uint a = W.GetIn(slot0, reg0), b = W.GetIn(slot1, reg1);
        W.SetIn(ref slot0, reg0, b);
        W.SetIn(ref slot1, reg1, a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LeaR<W>(ref uint slot, int reg, uint ea) where W : struct, IWidth => W.SetIn(ref slot, reg, ea & W.Mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ShiftRI<W>(ref LazyFlags flags, int sub, ref uint slot, int reg, int count) where W : struct, IWidth =>
        W.SetIn(ref slot, reg, Shift.Apply(ref flags, sub, W.GetIn(slot, reg), count, W.Size));

    // ---- MOVZX/MOVSX and SETcc of registers, and the register-only instructions compiled blocks run inline through
    // these operations rather than call their generic handlers (CBW, CWDE, CWD, CDQ; CLC, STC, CMC, CLD, STD, CLI) ----

    internal interface IExtension
    {
        static abstract uint Extend<WS>(uint value) where WS : struct, IWidth;
    }

    internal readonly struct ZeroExtend : IExtension
    {
        public static uint Extend<WS>(uint value) where WS : struct, IWidth => value;
    }

    internal readonly struct SignExtend : IExtension
    {
        public static uint Extend<WS>(uint value) where WS : struct, IWidth => WS.Size == 1 ? (uint)(sbyte)value : (uint)(short)value;
    }

    internal static void MovExtendRegReg<WD, WS, TExt>(Processor c, ref DecodedOp op) where WD : struct, IWidth where WS : struct, IWidth where TExt : struct, IExtension =>
        MovExtendRR<WD, WS, TExt>(ref Slot<WD>(c, op.Reg0), op.Reg0, ref Slot<WS>(c, op.Reg1), op.Reg1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MovExtendRR<WD, WS, TExt>(ref uint slot0, int reg0, ref uint slot1, int reg1) where WD : struct, IWidth where WS : struct, IWidth where TExt : struct, IExtension =>
        WD.SetIn(ref slot0, reg0, TExt.Extend<WS>(WS.GetIn(slot1, reg1)) & WD.Mask);

    internal static void SetccReg(Processor c, ref DecodedOp op) => SetccR(ref c.FlagState, op.Sub, ref Slot<W8>(c, op.Reg0), op.Reg0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetccR(ref LazyFlags flags, int cc, ref uint slot, int reg) => W8.SetIn(ref slot, reg, flags.Condition(cc) ? 1u : 0);

    // As DataMovement.Cbw, Cwde, Cwd, Cdq over the AX (and DX) slots.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CbwR(ref uint ax) => W16.SetIn(ref ax, Reg.AX, (uint)(sbyte)ax);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CwdeR(ref uint ax) => ax = (uint)(short)ax;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CwdR(ref uint ax, ref uint dx) => W16.SetIn(ref dx, Reg.DX, (ax & 0x8000) != 0 ? 0xFFFFu : 0);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CdqR(ref uint ax, ref uint dx) => dx = (ax & 0x8000_0000) != 0 ? 0xFFFF_FFFFu : 0;

    // LAHF, SAHF: AH and the low byte of FLAGS (SAHF writes SF, ZF, AF, PF, CF), as DataMovement's handlers.
    internal static void LahfR(ref LazyFlags flags, ref uint ax) => W8.SetIn(ref ax, 4, flags.Value & 0xFF);

    internal static void SahfR(ref LazyFlags flags, ref uint ax) => flags.Value = (flags.Value & ~0xD5u) | (W8.GetIn(ax, 4) & 0xD5u);

    // As SystemOps.ClearFlag, SetFlag and Cmc (bit = their Sub: CF 0, IF 9, DF 10).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ClearFlagF(ref LazyFlags flags, int bit) => flags.Value &= ~(1u << bit);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetFlagF(ref LazyFlags flags, int bit) => flags.Value |= 1u << bit;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ToggleFlagF(ref LazyFlags flags, int bit) => flags.Value ^= 1u << bit;

    // ---- stack and branches ----

    internal static void PushReg16(Processor c, ref DecodedOp op) => PushR16(c, ref c.Regs[Reg.SP], ref c.Regs[op.Reg0]);

    internal static void PopReg16(Processor c, ref DecodedOp op) => PopR16(c, ref c.Regs[Reg.SP], ref c.Regs[op.Reg0]);

    // As Processor.Push16 and Pop16, over SP's and the register's slots (never PUSH SP: see ForPush).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PushR16(Processor c, ref uint sp, ref uint slot) => PushW16(c, ref sp, slot & 0xFFFF);

    /// <summary>A word pushed over SP's slot: written first, so a push that faults leaves SP as it was.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PushW16(Processor c, ref uint sp, uint value)
    {
        uint top = (sp - 2) & 0xFFFF;
        c.WriteMem16(Seg.SS, top, value);
        W16.SetIn(ref sp, Reg.SP, top);
    }

    // The pop moves SP first, then the register is written: POP SP ends with the popped value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PopR16(Processor c, ref uint sp, ref uint slot)
    {
        uint top = sp & 0xFFFF;
        uint value = c.ReadMem16(Seg.SS, top);
        W16.SetIn(ref sp, Reg.SP, top + 2);
        W16.SetIn(ref slot, Reg.SP, value);
    }

    internal static void Jcc16(Processor c, ref DecodedOp op)
    {
        if (c.FlagState.Condition(op.Sub))
            c.Eip = (c.Eip + op.Imm) & 0xFFFF;
    }

    internal static void JmpRel16(Processor c, ref DecodedOp op) => c.Eip = (c.Eip + op.Imm) & 0xFFFF;

    // The return address is pushed first: a push that faults leaves IP on the CALL. (Compiled blocks call
    // PushW16, RetR16, PushReturnFar16, RetfR16 and IretR16 themselves, and go on at the target they check.)
    internal static void CallRel16(Processor c, ref DecodedOp op)
    {
        uint next = c.Eip;
        PushW16(c, ref c.Regs[Reg.SP], next);
        c.Eip = (next + op.Imm) & 0xFFFF;
    }

    internal static void Ret16(Processor c, ref DecodedOp op) => c.Eip = RetR16(c, ref c.Regs[Reg.SP], op.Imm);

    /// <summary>RET [imm16]: pops IP (returned), then releases imm16 bytes of arguments (0 for plain RET).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint RetR16(Processor c, ref uint sp, uint release)
    {
        uint top = sp & 0xFFFF;
        uint ip = c.ReadMem16(Seg.SS, top);
        W16.SetIn(ref sp, Reg.SP, top + 2 + release);
        return ip;
    }

    internal static void Jcxz16(Processor c, ref DecodedOp op)
    {
        if ((c.Regs[Reg.CX] & 0xFFFF) == 0)
            c.Eip = (c.Eip + op.Imm) & 0xFFFF;
    }

    internal static void CallFar16(Processor c, ref DecodedOp op)
    {
        PushReturnFar16(c, c.Eip);
        c.JumpFar(op.Imm2, op.Imm);
    }

    /// <summary>CALL ptr16:16's pushes, CS then the return IP, through SP itself: a fault on the second keeps the first.</summary>
    internal static void PushReturnFar16(Processor c, uint next)
    {
        c.Push16(c.Sregs[Seg.CS]);
        c.Push16(next);
    }

    internal static void Retf16(Processor c, ref DecodedOp op)
    {
        uint target = RetfR16(c, ref c.Regs[Reg.SP], op.Imm);
        c.JumpFar(target >> 16, target);
    }

    /// <summary>RETF [imm16]: pops IP and CS (returned as CS &lt;&lt; 16 | IP), then releases imm16 bytes. Both words
    /// are read before SP moves (a fault on the second leaves the stack as it was).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint RetfR16(Processor c, ref uint sp, uint release)
    {
        uint top = sp & 0xFFFF;
        uint offset = c.ReadMem16(Seg.SS, top);
        uint selector = c.ReadMem16(Seg.SS, (top + 2) & 0xFFFF);
        W16.SetIn(ref sp, Reg.SP, top + 4 + release);
        return selector << 16 | offset;
    }

    internal static void Iret16(Processor c, ref DecodedOp op)
    {
        uint target = IretR16(c, ref c.Regs[Reg.SP]);
        c.JumpFar(target >> 16, target);
    }

    /// <summary>IRET: pops IP, CS (returned as CS &lt;&lt; 16 | IP) and FLAGS, all read before anything changes, as
    /// in Control.Iret; FLAGS written (which raises attention when TF is set, or IF with a request waiting).</summary>
    internal static uint IretR16(Processor c, ref uint sp)
    {
        uint top = sp & 0xFFFF;
        uint offset = c.ReadMem16(Seg.SS, top);
        uint selector = c.ReadMem16(Seg.SS, (top + 2) & 0xFFFF);
        uint flags = c.ReadMem16(Seg.SS, (top + 4) & 0xFFFF);
        W16.SetIn(ref sp, Reg.SP, top + 6);
        c.WriteFlags(flags, 0xFFFF);
        return selector << 16 | offset;
    }

    // LOOP with CX as the counter (16-bit address size) and a 16-bit target; no flags change.
    internal static void LoopCx16(Processor c, ref DecodedOp op)
    {
        if (LoopCxTaken(ref c.Regs[Reg.CX]))
            c.Eip = (c.Eip + op.Imm) & 0xFFFF;
    }

    /// <summary>LOOP's count down of CX (its slot): true when the branch is taken.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LoopCxTaken(ref uint cx)
    {
        uint count = (cx - 1) & 0xFFFF;
        W16.SetIn(ref cx, Reg.CX, count);
        return count != 0;
    }

    /// <summary>LOOPE (<paramref name="sub"/> 1) and LOOPNE (2) with CX: counted down as LOOP, taken while ZF is set
    /// (LOOPE) or clear (LOOPNE), as Control.LoopCount.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LoopCxWhileTaken(ref uint cx, ref LazyFlags flags, int sub) =>
        LoopCxTaken(ref cx) & flags.Condition(4) == (sub == 1);

    /// <summary>JCXZ: taken when CX is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool JcxzTaken(uint cx) => (cx & 0xFFFF) == 0;

    /// <summary>The 32-bit slot of <typeparamref name="W"/>-sized register <paramref name="reg"/> (AH is in AX's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref uint Slot<W>(Processor c, int reg) where W : struct, IWidth => ref c.Regs[W.Slot(reg)];
}

/// <summary>One two-operand ALU operation, as a type (see <see cref="Specialized"/>). All defer their status flags
/// (see LazyFlags.cs); ADC and SBB read CF from a pending record without materialising it and set CF, OF and AF at
/// once, deferring SF, ZF and PF.</summary>
internal interface IAluOp
{
    /// <summary>False for CMP and TEST, which only set flags.</summary>
    static abstract bool WritesResult { get; }
    static abstract uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth;
}

internal readonly struct AddOp : IAluOp
{
    public static bool WritesResult => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.AddOp(a, b, W.Size);
}

internal readonly struct OrOp : IAluOp
{
    public static bool WritesResult => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.LogicOp(a | b, W.Size);
}

internal readonly struct AdcOp : IAluOp
{
    public static bool WritesResult => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.AdcOp(a, b, flags.CarryFlag(), W.Size);
}

internal readonly struct SbbOp : IAluOp
{
    public static bool WritesResult => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.SbbOp(a, b, flags.CarryFlag(), W.Size);
}

internal readonly struct AndOp : IAluOp
{
    public static bool WritesResult => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.LogicOp(a & b, W.Size);
}

internal readonly struct SubOp : IAluOp
{
    public static bool WritesResult => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.SubOp(a, b, W.Size);
}

internal readonly struct XorOp : IAluOp
{
    public static bool WritesResult => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.LogicOp(a ^ b, W.Size);
}

internal readonly struct CmpOp : IAluOp
{
    public static bool WritesResult => false;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.SubOp(a, b, W.Size);
}

internal readonly struct TestOp : IAluOp
{
    public static bool WritesResult => false;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Apply<W>(ref LazyFlags flags, uint a, uint b) where W : struct, IWidth => flags.LogicOp(a & b, W.Size);
}
