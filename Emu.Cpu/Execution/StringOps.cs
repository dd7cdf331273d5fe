using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>MOVS CMPS SCAS LODS STOS INS OUTS with REP/REPE/REPNE.</summary>
/// <remarks>
/// The source is op.Seg:SI (the segment override applies to it), the destination always ES:DI.
/// SI, DI and CX are 16-bit, or ESI, EDI and ECX with a 32-bit address size. A REP-prefixed
/// instruction runs until CX is exhausted, the run's instruction budget is used up or an interrupt is
/// waiting (then it is suspended and resumed later, see <see cref="Processor.ShouldSuspendRepeat"/>);
/// SI, DI and CX are updated after every iteration so a fault part-way (a segment-limit violation
/// on the 286/386) restarts it with the work done kept.
/// MOVS, LODS, STOS, INS and OUTS repeat under either prefix (the 8086 treats F2 like F3 there);
/// CMPS and SCAS stop when ZF differs from the prefix's condition (F3: while equal, F2: while not).
/// </remarks>
internal static unsafe class StringOps
{
    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Movsb, &Movs);
        HandlerTable.Map(Mnemonic.Movsw, &Movs);
        HandlerTable.Map(Code.Movsd_m32_m32, &Movs);
        HandlerTable.Map(Mnemonic.Cmpsb, &Cmps);
        HandlerTable.Map(Mnemonic.Cmpsw, &Cmps);
        HandlerTable.Map(Code.Cmpsd_m32_m32, &Cmps);
        HandlerTable.Map(Mnemonic.Scasb, &Scas);
        HandlerTable.Map(Mnemonic.Scasw, &Scas);
        HandlerTable.Map(Mnemonic.Scasd, &Scas);
        HandlerTable.Map(Mnemonic.Lodsb, &Lods);
        HandlerTable.Map(Mnemonic.Lodsw, &Lods);
        HandlerTable.Map(Mnemonic.Lodsd, &Lods);
        HandlerTable.Map(Mnemonic.Stosb, &Stos);
        HandlerTable.Map(Mnemonic.Stosw, &Stos);
        HandlerTable.Map(Mnemonic.Stosd, &Stos);
        HandlerTable.Map(Mnemonic.Insb, &Ins);
        HandlerTable.Map(Mnemonic.Insw, &Ins);
        HandlerTable.Map(Mnemonic.Insd, &Ins);
        HandlerTable.Map(Mnemonic.Outsb, &Outs);
        HandlerTable.Map(Mnemonic.Outsw, &Outs);
        HandlerTable.Map(Mnemonic.Outsd, &Outs);
    }

    internal static void Movs(Processor c, ref DecodedOp op) => Repeat(c, ref op, &MovsOnce, false);
    internal static void Cmps(Processor c, ref DecodedOp op) => Repeat(c, ref op, &CmpsOnce, true);
    internal static void Scas(Processor c, ref DecodedOp op) => Repeat(c, ref op, &ScasOnce, true);
    internal static void Lods(Processor c, ref DecodedOp op) => Repeat(c, ref op, &LodsOnce, false);
    internal static void Stos(Processor c, ref DecodedOp op) => Repeat(c, ref op, &StosOnce, false);
    internal static void Ins(Processor c, ref DecodedOp op) => Repeat(c, ref op, &InsOnce, false);
    internal static void Outs(Processor c, ref DecodedOp op) => Repeat(c, ref op, &OutsOnce, false);

    /// <summary>Runs one iteration, or with REP as many as CX (ECX) says, each counted as retired.</summary>
    private static void Repeat(Processor c, ref DecodedOp op, delegate*<Processor, ref DecodedOp, void> once, bool testsZf)
    {
        if ((op.Prefixes & (PrefixFlags.Rep | PrefixFlags.Repne)) == 0)
        {
            once(c, ref op);
            return;
        }
        bool whileEqual = (op.Prefixes & PrefixFlags.Rep) != 0;
        bool ecx = op.Address32;
        bool first = true;
        while ((ecx ? c.Regs[Reg.CX] : c.Regs[Reg.CX] & 0xFFFF) != 0)
        {
            // Between iterations the instruction can be suspended as a real CPU suspends it for an
            // interrupt: IP stays on it and the registers hold the work done. That bounds a run's
            // budget (REP with ECX = FFFFFFFF is four billion iterations) and lets IRQs in.
            if (!first && c.ShouldSuspendRepeat())
            {
                c.SuspendRepeat();
                return;
            }
            once(c, ref op);
            if (ecx)
                c.Regs[Reg.CX]--;
            else
                c.SetReg16(Reg.CX, c.Regs[Reg.CX] - 1);
            // The run loop retires the instruction once; each further iteration counts as one more.
            if (!first)
                c.Retired++;
            first = false;
            if (testsZf && ((c.FlagsValue & CpuFlags.ZF) != 0) != whileEqual)
                break;
        }
    }

    private static uint Source(ref DecodedOp op, Processor c) => op.Address32 ? c.Regs[Reg.SI] : c.Regs[Reg.SI] & 0xFFFF;
    private static uint Destination(ref DecodedOp op, Processor c) => op.Address32 ? c.Regs[Reg.DI] : c.Regs[Reg.DI] & 0xFFFF;

    /// <summary>Moves SI or DI by the element size, down when DF is set.</summary>
    private static void Advance(Processor c, ref DecodedOp op, int reg)
    {
        uint delta = (c.FlagsValue & CpuFlags.DF) != 0 ? (uint)-op.Size : (uint)op.Size;
        if (op.Address32)
            c.Regs[reg] += delta;
        else
            c.SetReg16(reg, c.Regs[reg] + delta);
    }

    // Each element reads the index registers first and accesses memory through those offsets. The
    // 286 steps an index register as it issues the access through it, so a segment overrun there
    // (a word at offset FFFF) is taken with that register, and any before it, already stepped:
    // MOVSW with SI = FFFF faults with SI = 0001 and DI unchanged. The other models step them once
    // the element is complete, so their faults restart it with nothing changed.
    private static bool StepsEarly(Processor c) => c.Model == CpuModel.I286;

    private static void MovsOnce(Processor c, ref DecodedOp op)
    {
        uint si = Source(ref op, c), di = Destination(ref op, c);
        bool early = StepsEarly(c);
        if (early) Advance(c, ref op, Reg.SI);
        uint v = c.ReadMem(op.Seg, si, op.Size);
        if (early) Advance(c, ref op, Reg.DI);
        c.WriteMem(Seg.ES, di, op.Size, v);
        if (early) return;
        Advance(c, ref op, Reg.SI);
        Advance(c, ref op, Reg.DI);
    }

    // CMPS subtracts the destination from the source: flags of [seg:SI] - ES:[DI].
    private static void CmpsOnce(Processor c, ref DecodedOp op)
    {
        uint si = Source(ref op, c), di = Destination(ref op, c);
        bool early = StepsEarly(c);
        if (early) Advance(c, ref op, Reg.SI);
        uint a = c.ReadMem(op.Seg, si, op.Size);
        if (early) Advance(c, ref op, Reg.DI);
        uint b = c.ReadMem(Seg.ES, di, op.Size);
        c.AluSub(a, b, 0, op.Size);
        if (early) return;
        Advance(c, ref op, Reg.SI);
        Advance(c, ref op, Reg.DI);
    }

    private static void ScasOnce(Processor c, ref DecodedOp op)
    {
        uint di = Destination(ref op, c);
        bool early = StepsEarly(c);
        if (early) Advance(c, ref op, Reg.DI);
        uint b = c.ReadMem(Seg.ES, di, op.Size);
        c.AluSub(c.GetReg(Reg.AX, op.Size), b, 0, op.Size);
        if (!early) Advance(c, ref op, Reg.DI);
    }

    private static void LodsOnce(Processor c, ref DecodedOp op)
    {
        uint si = Source(ref op, c);
        bool early = StepsEarly(c);
        if (early) Advance(c, ref op, Reg.SI);
        c.SetReg(Reg.AX, op.Size, c.ReadMem(op.Seg, si, op.Size));
        if (!early) Advance(c, ref op, Reg.SI);
    }

    private static void StosOnce(Processor c, ref DecodedOp op)
    {
        uint di = Destination(ref op, c);
        bool early = StepsEarly(c);
        if (early) Advance(c, ref op, Reg.DI);
        c.WriteMem(Seg.ES, di, op.Size, c.GetReg(Reg.AX, op.Size));
        if (!early) Advance(c, ref op, Reg.DI);
    }

    // INS and OUTS: one port access (one VM exit) per element.
    private static void InsOnce(Processor c, ref DecodedOp op)
    {
        uint di = Destination(ref op, c);
        bool early = StepsEarly(c);
        uint v = c.PortIn(c.Regs[Reg.DX] & 0xFFFF, op.Size);
        if (early) Advance(c, ref op, Reg.DI);
        c.WriteMem(Seg.ES, di, op.Size, v);
        if (!early) Advance(c, ref op, Reg.DI);
    }

    private static void OutsOnce(Processor c, ref DecodedOp op)
    {
        uint si = Source(ref op, c);
        bool early = StepsEarly(c);
        if (early) Advance(c, ref op, Reg.SI);
        uint v = c.ReadMem(op.Seg, si, op.Size);
        c.PortOut(c.Regs[Reg.DX] & 0xFFFF, op.Size, v);
        if (!early) Advance(c, ref op, Reg.SI);
    }
}
