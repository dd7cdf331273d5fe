using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emu.Cpu.Decoding;
using Emu.Memory;
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

    internal static void Movs(Processor c, ref DecodedOp op) => Repeat(c, ref op, &MovsOnce, false, &MovsBulk);
    internal static void Cmps(Processor c, ref DecodedOp op) => Repeat(c, ref op, &CmpsOnce, true, &CmpsBulk);
    internal static void Scas(Processor c, ref DecodedOp op) => Repeat(c, ref op, &ScasOnce, true, &ScasBulk);
    internal static void Lods(Processor c, ref DecodedOp op) => Repeat(c, ref op, &LodsOnce, false);
    internal static void Stos(Processor c, ref DecodedOp op) => Repeat(c, ref op, &StosOnce, false, &StosBulk);
    internal static void Ins(Processor c, ref DecodedOp op) => Repeat(c, ref op, &InsOnce, false);
    internal static void Outs(Processor c, ref DecodedOp op) => Repeat(c, ref op, &OutsOnce, false);

    /// <summary>Runs one iteration, or with REP as many as CX (ECX) says, each counted as retired.
    /// <paramref name="bulk"/>, when given, may first do many iterations at once (see <see cref="BulkLimit"/>).</summary>
    private static void Repeat(Processor c, ref DecodedOp op, delegate*<Processor, ref DecodedOp, void> once, bool testsZf,
        delegate*<Processor, ref DecodedOp, uint, uint> bulk = null)
    {
        if ((op.Prefixes & (PrefixFlags.Rep | PrefixFlags.Repne)) == 0)
        {
            once(c, ref op);
            return;
        }
        bool whileEqual = (op.Prefixes & PrefixFlags.Rep) != 0;
        bool ecx = op.Address32;
        bool first = true;
        if (bulk != null && BulkLimit(c, ref op) is var limit and > 0)
        {
            uint done = bulk(c, ref op, limit);
            if (done > 0)
            {
                // The same registers and count as `done` passes of the loop below.
                c.SetReg16(Reg.CX, c.Regs[Reg.CX] - done);
                c.Retired += done - 1;
                first = false;
                // CMPS and SCAS: the last element compared may have ended the repetition, as in the loop below.
                if (testsZf && c.FlagState.ZeroFlag() != whileEqual)
                    return;
            }
        }
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

    // ---- REP MOVS, REP STOS, REPE/REPNE CMPS and SCAS over plain RAM, many elements at once ----
    // The loop above does one element per pass: segment, page-kind and code-map tests, and the budget and
    // interrupt checks between passes. Where none of those can change the outcome the elements are copied in
    // one go: 16-bit addressing, DF = 0, no offset wrapping past FFFF (so no segment fault or wrap), every byte
    // in RAM pages below the A20 wrap (no MMIO, ROM, watched page or exit), and as many elements as the loop
    // would do before it suspends (the run's budget, a waiting interrupt). Cached code in the destination is
    // dropped as a store would drop it. CMPS and SCAS (either direction) find the element that ends the repetition
    // in the spans, then take the flags from the last element compared, so they are the loop's to the bit. The loop
    // then goes on from where this stopped, with the work counted.

    /// <summary>How many elements the loop would do before it could suspend (0: take the loop as it is).</summary>
    private static uint BulkLimit(Processor c, ref DecodedOp op)
    {
        if (op.Address32)
            return 0;
        uint count = c.Regs[Reg.CX] & 0xFFFF;
        if (count < 2)
            return 0;
        // The first pass never suspends; each further one does when ShouldSuspendRepeat says so, which stays
        // as it is while only RAM is touched, except for the budget that every pass spends.
        if (c.ShouldSuspendRepeat())
            return 1;
        return (uint)Math.Min(count, c.RepeatBudget);
    }

    /// <summary>The number of elements from <paramref name="offset"/> on that stay inside the segment's 64 KiB.</summary>
    private static uint InSegment(uint offset, int size, uint limit) => Math.Min(limit, (0x1_0000 - offset) / (uint)size);

    /// <summary>The linear (= physical) address of [seg:offset] when <paramref name="bytes"/> from there are
    /// plain RAM pages with no A20 wrap, else null. The page map as it is: a watched page is not plain.</summary>
    private static uint? RamAt(Processor c, int seg, uint offset, uint bytes)
    {
        uint linear = c.SegBase[seg] + offset;
        if (linear + bytes > c.Memory.AddressMask + 1)
            return null;
        return c.Memory.IsMappedRam(linear, bytes) ? linear : null;
    }

    // DF alone: a pending lazy record (an ALU operation before LODSB or STOSB) stays pending.
    private static bool Down(Processor c) => (c.FlagState.ControlFlags() & CpuFlags.DF) != 0;

    private static uint StosBulk(Processor c, ref DecodedOp op, uint limit)
    {
        if (Down(c))
            return 0;
        int size = op.Size;
        uint di = c.Regs[Reg.DI] & 0xFFFF;
        uint n = InSegment(di, size, limit);
        if (n == 0 || RamAt(c, Seg.ES, di, n * (uint)size) is not uint to)
            return 0;
        var target = c.Memory.Bytes.Slice((int)to, (int)(n * (uint)size));
        uint ax = c.Regs[Reg.AX];
        // Zeroing (as the BIOS does at every start) clears: precompiled code. Span.Fill is vector code that
        // ReadyToRun cannot hold (Vector<T>'s size is the host's), JIT-compiled at its first use (docs/PERFORMANCE.md,
        // start-up).
        if ((ax & Processor.SizeMask(size)) == 0)
            target.Clear();
        else if (size == 1)
            target.Fill((byte)ax);
        else if (size == 2)
            MemoryMarshal.Cast<byte, ushort>(target).Fill((ushort)ax);
        else
            MemoryMarshal.Cast<byte, uint>(target).Fill(ax);
        c.Memory.NoteExternalWrite(to, target.Length);
        c.SetReg16(Reg.DI, di + n * (uint)size);
        return n;
    }

    private static uint MovsBulk(Processor c, ref DecodedOp op, uint limit)
    {
        if (Down(c))
            return 0;
        int size = op.Size;
        uint si = c.Regs[Reg.SI] & 0xFFFF, di = c.Regs[Reg.DI] & 0xFFFF;
        uint n = InSegment(di, size, InSegment(si, size, limit));
        uint bytes = n * (uint)size;
        if (n == 0 || RamAt(c, op.Seg, si, bytes) is not uint from || RamAt(c, Seg.ES, di, bytes) is not uint to)
            return 0;
        // Element by element, a destination just above the source copies what the earlier elements wrote
        // (a pattern fill): a block copy would not.
        if (to > from && to < from + bytes)
            return 0;
        c.Memory.Bytes.Slice((int)from, (int)bytes).CopyTo(c.Memory.Bytes.Slice((int)to, (int)bytes));
        c.Memory.NoteExternalWrite(to, (int)bytes);
        c.SetReg16(Reg.SI, si + bytes);
        c.SetReg16(Reg.DI, di + bytes);
        return n;
    }

    /// <summary>How many elements stepped from <paramref name="offset"/> (down when <paramref name="down"/>) stay
    /// inside the segment, at most <paramref name="limit"/>. Down, the first must not cross FFFF and none go below 0.</summary>
    private static uint InSegment(uint offset, int size, uint limit, bool down) =>
        !down ? InSegment(offset, size, limit)
        : offset + (uint)size > 0x1_0000 ? 0 : Math.Min(limit, offset / (uint)size + 1);

    /// <summary>The lowest offset of <paramref name="n"/> (at least 1) elements stepped from <paramref name="offset"/>.</summary>
    private static uint Lowest(uint offset, int size, uint n, bool down) => down ? offset - (n - 1) * (uint)size : offset;

    private static uint Element(ReadOnlySpan<byte> bytes, int index, int size) => size switch
    {
        1 => bytes[index],
        2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes[(index * 2)..]),
        _ => BinaryPrimitives.ReadUInt32LittleEndian(bytes[(index * 4)..]),
    };

    private static uint CmpsBulk(Processor c, ref DecodedOp op, uint limit)
    {
        int size = op.Size;
        bool down = Down(c);
        uint si = c.Regs[Reg.SI] & 0xFFFF, di = c.Regs[Reg.DI] & 0xFFFF;
        uint n = InSegment(di, size, InSegment(si, size, limit, down), down);
        uint bytes = n * (uint)size;
        if (n == 0 || RamAt(c, op.Seg, Lowest(si, size, n, down), bytes) is not uint from
            || RamAt(c, Seg.ES, Lowest(di, size, n, down), bytes) is not uint to)
            return 0;
        ReadOnlySpan<byte> source = c.Memory.Bytes.Slice((int)from, (int)bytes), target = c.Memory.Bytes.Slice((int)to, (int)bytes);
        bool whileEqual = (op.Prefixes & PrefixFlags.Rep) != 0;
        // Elements are taken from index 0 up, or from n-1 down; the repetition ends at the first whose equality is not
        // whileEqual. REPE going up, the common search, compares the spans vectorised.
        uint done = n;
        if (whileEqual && !down)
            done = Math.Min(n, (uint)(source.CommonPrefixLength(target) / size) + 1);
        else
        {
            for (uint k = 0; k < n; k++)
            {
                int i = (int)(down ? n - 1 - k : k);
                if ((Element(source, i, size) == Element(target, i, size)) != whileEqual)
                {
                    done = k + 1;
                    break;
                }
            }
        }
        int last = (int)(down ? n - done : done - 1);
        c.FlagState.AluSub(Element(source, last, size), Element(target, last, size), 0, size);
        uint step = done * (uint)size;
        c.SetReg16(Reg.SI, down ? si - step : si + step);
        c.SetReg16(Reg.DI, down ? di - step : di + step);
        return done;
    }

    private static uint ScasBulk(Processor c, ref DecodedOp op, uint limit)
    {
        int size = op.Size;
        bool down = Down(c);
        uint di = c.Regs[Reg.DI] & 0xFFFF;
        uint n = InSegment(di, size, limit, down);
        uint bytes = n * (uint)size;
        if (n == 0 || RamAt(c, Seg.ES, Lowest(di, size, n, down), bytes) is not uint to)
            return 0;
        ReadOnlySpan<byte> target = c.Memory.Bytes.Slice((int)to, (int)bytes);
        bool whileEqual = (op.Prefixes & PrefixFlags.Rep) != 0;
        uint value = c.GetReg(Reg.AX, size);
        // The index, in the span, of the first element in the order taken whose equality with the accumulator
        // is not whileEqual (REPNE: the first match; REPE: the first mismatch), or -1.
        int stop = size switch
        {
            1 => Find(target, (byte)value, whileEqual, down),
            2 => Find(MemoryMarshal.Cast<byte, ushort>(target), (ushort)value, whileEqual, down),
            _ => Find(MemoryMarshal.Cast<byte, uint>(target), value, whileEqual, down),
        };
        uint done = stop < 0 ? n : down ? n - (uint)stop : (uint)stop + 1;
        int last = (int)(down ? n - done : done - 1);
        c.FlagState.AluSub(value, Element(target, last, size), 0, size);
        uint step = done * (uint)size;
        c.SetReg16(Reg.DI, down ? di - step : di + step);
        return done;
    }

    private static int Find<T>(ReadOnlySpan<T> elements, T value, bool whileEqual, bool down) where T : IEquatable<T> =>
        (whileEqual, down) switch
        {
            (true, false) => elements.IndexOfAnyExcept(value),
            (true, true) => elements.LastIndexOfAnyExcept(value),
            (false, false) => elements.IndexOf(value),
            (false, true) => elements.LastIndexOf(value),
        };

    private static uint Source(ref DecodedOp op, Processor c) => op.Address32 ? c.Regs[Reg.SI] : c.Regs[Reg.SI] & 0xFFFF;
    private static uint Destination(ref DecodedOp op, Processor c) => op.Address32 ? c.Regs[Reg.DI] : c.Regs[Reg.DI] & 0xFFFF;

    /// <summary>Moves SI or DI by the element size, down when DF is set.</summary>
    private static void Advance(Processor c, ref DecodedOp op, int reg)
    {
        uint delta = Down(c) ? (uint)-op.Size : (uint)op.Size;
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
        c.FlagState.AluSub(a, b, 0, op.Size);
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
        c.FlagState.AluSub(c.GetReg(Reg.AX, op.Size), b, 0, op.Size);
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

    // ---- one element without REP, 16-bit addresses, on plain memory (Emu.Memory.PlainAccess, both operands checked
    // before anything is done): what compiled blocks run on their fast path (Compilation/BlockEmitter.cs), over their
    // register locals; everything else takes the handlers above. No fault can happen here, so when SI and DI step
    // (StepsEarly) makes no difference. CMPS and SCAS record their subtraction lazily: FLAGS, when read, are AluSub's. ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LodsPlain(ref LazyFlags flags, ref uint ax, ref uint si, byte* source, int size)
    {
        uint mask = Processor.SizeMask(size);
        ax = (ax & ~mask) | Load(source, size);
        Step16(ref si, ref flags, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StosPlain(ref LazyFlags flags, uint ax, ref uint di, byte* destination, int size)
    {
        Store(destination, size, ax);
        Step16(ref di, ref flags, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MovsPlain(ref LazyFlags flags, ref uint si, ref uint di, byte* source, byte* destination, int size)
    {
        Store(destination, size, Load(source, size));
        Step16(ref si, ref flags, size);
        Step16(ref di, ref flags, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ScasPlain(ref LazyFlags flags, uint ax, ref uint di, byte* destination, int size)
    {
        flags.SubOp(ax & Processor.SizeMask(size), Load(destination, size), size);
        Step16(ref di, ref flags, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CmpsPlain(ref LazyFlags flags, ref uint si, ref uint di, byte* source, byte* destination, int size)
    {
        flags.SubOp(Load(source, size), Load(destination, size), size);
        Step16(ref si, ref flags, size);
        Step16(ref di, ref flags, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Load(byte* p, int size) => size switch
    {
        1 => *p,
        2 => BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(p, 2)),
        _ => BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(p, 4)),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* p, int size, uint value)
    {
        switch (size)
        {
            case 1: *p = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(p, 2), (ushort)value); break;
            default: BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(p, 4), value); break;
        }
    }

    // SI or DI (in its slot) moved by the element size within its 16 bits, down when DF is set: Advance's 16-bit case.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step16(ref uint index, ref LazyFlags flags, int size)
    {
        uint delta = (flags.ControlFlags() & CpuFlags.DF) != 0 ? (uint)-size : (uint)size;
        index = (index & 0xFFFF_0000) | ((index + delta) & 0xFFFF);
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
