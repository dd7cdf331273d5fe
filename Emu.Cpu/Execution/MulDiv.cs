using System.Runtime.CompilerServices;
using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>MUL, IMUL (one, two and three operands), DIV, IDIV, with the 8086's quirks.</summary>
internal static unsafe class MulDiv
{
    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Mul, &Mul);
        HandlerTable.Map(Mnemonic.Imul, &Imul);
        HandlerTable.Map(Mnemonic.Div, &Div);
        HandlerTable.Map(Mnemonic.Idiv, &Idiv);
    }

    // The 8086 microcode keeps one "negate the result" flag for IMUL and IDIV and starts it from the
    // REP prefix latch, so a REP (F2 or F3) before them negates the product or quotient.
    internal static bool RepNegates(CpuModel model, PrefixFlags prefixes) =>
        model == CpuModel.I8086 && (prefixes & (PrefixFlags.Rep | PrefixFlags.Repne)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long SignExtend(uint v, int size) => size switch
    {
        1 => (sbyte)v,
        2 => (short)v,
        _ => (int)v,
    };

    // The accumulator pair as one value: AX (8-bit forms), DX:AX, EDX:EAX.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Dividend(uint ax, uint dx, int size) => size switch
    {
        1 => ax & 0xFFFF,
        2 => ((dx & 0xFFFF) << 16) | (ax & 0xFFFF),
        _ => ((ulong)dx << 32) | ax,
    };

    // Writes the low half to AL/AX/EAX and the high half to AH/DX/EDX (the slots' other bits kept).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WritePair(ref uint ax, ref uint dx, int size, uint low, uint high)
    {
        switch (size)
        {
            case 1: ax = (ax & 0xFFFF_0000) | (low & 0xFF) | ((high & 0xFF) << 8); break;
            case 2:
                ax = (ax & 0xFFFF_0000) | (low & 0xFFFF);
                dx = (dx & 0xFFFF_0000) | (high & 0xFFFF);
                break;
            default: ax = low; dx = high; break;
        }
    }

    // CF = OF = the high half carries information. SF, ZF, PF are left as they were: undefined.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetMulFlags(ref LazyFlags flags, bool overflow)
    {
        const uint co = CpuFlags.CF | CpuFlags.OF;
        flags.Value = overflow ? flags.Value | co : flags.Value & ~co;
    }

    // ---- the one-operand forms as operations over the accumulator's slots (AX's, DX's) and the source's value:
    // the handlers run them over the processor's registers, compiled blocks (Compilation/BlockEmitter.cs) over their
    // locals, with the size and the REP prefix as constants. DIV and IDIV return false, having changed nothing, where
    // the instruction raises #DE (the caller raises it). ----

    /// <summary>MUL: AX = AL x src (8-bit), DX:AX or EDX:EAX = the accumulator x src.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MulAcc(ref LazyFlags flags, ref uint ax, ref uint dx, uint src, int size)
    {
        uint mask = Processor.SizeMask(size);
        ulong product = (ulong)(ax & mask) * (src & mask);
        uint high = (uint)(product >> (size * 8)) & mask;
        WritePair(ref ax, ref dx, size, (uint)product, high);
        SetMulFlags(ref flags, high != 0);
    }

    /// <summary>One-operand IMUL; <paramref name="negate"/>: the 8086's REP quirk (see <see cref="RepNegates"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ImulAcc(ref LazyFlags flags, ref uint ax, ref uint dx, uint src, int size, bool negate)
    {
        uint mask = Processor.SizeMask(size);
        long wide = SignExtend(ax & mask, size) * SignExtend(src & mask, size);
        if (negate)
            wide = -wide;
        WritePair(ref ax, ref dx, size, (uint)wide & mask, (uint)(wide >> (size * 8)) & mask);
        SetMulFlags(ref flags, wide != SignExtend((uint)wide & mask, size));
    }

    /// <summary>DIV: the accumulator pair / src, quotient low, remainder high; false (nothing changed): #DE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool DivAcc(ref uint ax, ref uint dx, uint src, int size)
    {
        uint divisor = src & Processor.SizeMask(size);
        ulong dividend = Dividend(ax, dx, size);
        if (divisor == 0)
            return false;
        ulong quotient = dividend / divisor;
        if (quotient > Processor.SizeMask(size))
            return false;
        WritePair(ref ax, ref dx, size, (uint)quotient, (uint)(dividend % divisor));
        return true;
    }

    /// <summary>IDIV on <paramref name="model"/>; <paramref name="negate"/>: the 8086's REP quirk. False (nothing
    /// changed): #DE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IdivAcc(CpuModel model, ref uint ax, ref uint dx, uint src, int size, bool negate)
    {
        int bits = size * 8;
        long divisor = SignExtend(src & Processor.SizeMask(size), size);
        ulong raw = Dividend(ax, dx, size);
        // Sign-extend the double-width dividend from bit 2*bits-1.
        long dividend = bits == 32 ? (long)raw : (long)(raw << (64 - 2 * bits)) >> (64 - 2 * bits);
        if (divisor == 0)
            return false;
        // Divide magnitudes (as the microcode does), which also keeps long.MinValue / -1 defined.
        bool dividendNegative = dividend < 0;
        ulong n = dividendNegative ? (ulong)-dividend : (ulong)dividend;
        ulong d = divisor < 0 ? (ulong)-divisor : (ulong)divisor;
        ulong q = n / d;
        ulong rem = n % d;
        bool negative = dividendNegative != (divisor < 0);
        // The 8086 checks the magnitude against the positive limit before negating, so a quotient of
        // -128 (-32768) faults there; the 286 and later accept it.
        ulong limit = (1UL << (bits - 1)) - 1;
        if (negative && model >= CpuModel.I286)
            limit++;
        if (q > limit)
            return false;
        if (negate)
            negative = !negative;
        uint quotient = (uint)(negative ? 0 - q : q);
        uint remainder = (uint)(dividendNegative ? 0 - rem : rem);
        uint mask = Processor.SizeMask(size);
        WritePair(ref ax, ref dx, size, quotient & mask, remainder & mask);
        return true;
    }

    // The handlers: the source read (a memory operand may fault first), then the operation over the registers.
    internal static void Mul(Processor c, ref DecodedOp op) =>
        MulAcc(ref c.FlagState, ref c.Regs[Reg.AX], ref c.Regs[Reg.DX], Source(c, ref op), op.Size);

    internal static void Div(Processor c, ref DecodedOp op)
    {
        if (!DivAcc(ref c.Regs[Reg.AX], ref c.Regs[Reg.DX], Source(c, ref op), op.Size))
            c.DivideError();
    }

    internal static void Idiv(Processor c, ref DecodedOp op)
    {
        if (!IdivAcc(c.Model, ref c.Regs[Reg.AX], ref c.Regs[Reg.DX], Source(c, ref op), op.Size, RepNegates(c.Model, op.Prefixes)))
            c.DivideError();
    }

    private static uint Source(Processor c, ref DecodedOp op) => c.ReadOperand(ref op, op.Kind0, op.Reg0, c.EaIfMem(ref op));

    internal static void Imul(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        if (op.Kind1 == OperandKind.None)
        {
            // One operand: the accumulator times r/m into the accumulator pair.
            ImulAcc(ref c.FlagState, ref c.Regs[Reg.AX], ref c.Regs[Reg.DX], Source(c, ref op), size, RepNegates(c.Model, op.Prefixes));
            return;
        }
        uint ea = c.EaIfMem(ref op);
        // Two operands (0F AF: reg *= r/m) and three (69/6B: reg = r/m * imm); result truncated.
        uint a = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea);
        uint b = op.Kind2 == OperandKind.Imm ? op.Imm : c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        ImulInto(ref c.FlagState, ref c.Regs[op.Reg0], a, b, size);
    }

    /// <summary>IMUL with two or three operands: the register in <paramref name="destination"/> (its slot's other
    /// bits kept) = a x b, truncated to the size; CF = OF = the product did not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ImulInto(ref LazyFlags flags, ref uint destination, uint a, uint b, int size)
    {
        uint mask = Processor.SizeMask(size);
        long product = SignExtend(a & mask, size) * SignExtend(b & mask, size);
        uint r = (uint)product & mask;
        destination = (destination & ~mask) | r;
        SetMulFlags(ref flags, product != SignExtend(r, size));
    }
}
