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
    private static bool RepNegates(Processor c, ref DecodedOp op) =>
        c.Model == CpuModel.I8086 && (op.Prefixes & (PrefixFlags.Rep | PrefixFlags.Repne)) != 0;

    private static long SignExtend(uint v, int size) => size switch
    {
        1 => (sbyte)v,
        2 => (short)v,
        _ => (int)v,
    };

    // The accumulator pair as one value: AX (8-bit forms), DX:AX, EDX:EAX.
    private static ulong ReadDividend(Processor c, int size) => size switch
    {
        1 => c.Regs[Reg.AX] & 0xFFFF,
        2 => ((c.Regs[Reg.DX] & 0xFFFF) << 16) | (c.Regs[Reg.AX] & 0xFFFF),
        _ => ((ulong)c.Regs[Reg.DX] << 32) | c.Regs[Reg.AX],
    };

    // Writes the low half to AL/AX/EAX and the high half to AH/DX/EDX.
    private static void WritePair(Processor c, int size, uint low, uint high)
    {
        if (size == 1)
        {
            c.SetReg16(Reg.AX, (low & 0xFF) | ((high & 0xFF) << 8));
            return;
        }
        c.SetReg(Reg.AX, size, low);
        c.SetReg(Reg.DX, size, high);
    }

    // CF = OF = the high half carries information. SF, ZF, PF are left as they were: undefined.
    private static void SetMulFlags(Processor c, bool overflow)
    {
        const uint co = CpuFlags.CF | CpuFlags.OF;
        c.FlagsValue = overflow ? c.FlagsValue | co : c.FlagsValue & ~co;
    }

    internal static void Mul(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint ea = c.EaIfMem(ref op);
        ulong product = (ulong)c.GetReg(Reg.AX, size) * c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        int bits = size * 8;
        uint high = (uint)(product >> bits) & Processor.SizeMask(size);
        WritePair(c, size, (uint)product, high);
        SetMulFlags(c, high != 0);
    }

    internal static void Imul(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint mask = Processor.SizeMask(size);
        uint ea = c.EaIfMem(ref op);
        if (op.Kind1 == OperandKind.None)
        {
            // One operand: the accumulator times r/m into the accumulator pair.
            long wide = SignExtend(c.GetReg(Reg.AX, size), size)
                        * SignExtend(c.ReadOperand(ref op, op.Kind0, op.Reg0, ea), size);
            if (RepNegates(c, ref op))
                wide = -wide;
            WritePair(c, size, (uint)wide & mask, (uint)(wide >> (size * 8)) & mask);
            SetMulFlags(c, wide != SignExtend((uint)wide & mask, size));
            return;
        }
        // Two operands (0F AF: reg *= r/m) and three (69/6B: reg = r/m * imm); result truncated.
        long a = SignExtend(c.ReadOperand(ref op, op.Kind1, op.Reg1, ea), size);
        long b = op.Kind2 == OperandKind.Imm
            ? SignExtend(op.Imm, size)
            : SignExtend(c.ReadOperand(ref op, op.Kind0, op.Reg0, ea), size);
        long product = a * b;
        uint r = (uint)product & mask;
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, r);
        SetMulFlags(c, product != SignExtend(r, size));
    }

    internal static void Div(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint ea = c.EaIfMem(ref op);
        uint divisor = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        ulong dividend = ReadDividend(c, size);
        if (divisor == 0)
        {
            c.DivideError();
            return;
        }
        ulong quotient = dividend / divisor;
        if (quotient > Processor.SizeMask(size))
        {
            c.DivideError();
            return;
        }
        WritePair(c, size, (uint)quotient, (uint)(dividend % divisor));
    }

    internal static void Idiv(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        int bits = size * 8;
        uint ea = c.EaIfMem(ref op);
        long divisor = SignExtend(c.ReadOperand(ref op, op.Kind0, op.Reg0, ea), size);
        ulong raw = ReadDividend(c, size);
        // Sign-extend the double-width dividend from bit 2*bits-1.
        long dividend = bits == 32 ? (long)raw : (long)(raw << (64 - 2 * bits)) >> (64 - 2 * bits);
        if (divisor == 0)
        {
            c.DivideError();
            return;
        }
        // Divide magnitudes (as the microcode does), which also keeps long.MinValue / -1 defined.
        bool dividendNegative = dividend < 0;
        ulong n = dividendNegative ? (ulong)-dividend : (ulong)dividend;
        ulong d = divisor < 0 ? (ulong)-divisor : (ulong)divisor;
        ulong q = n / d;
        ulong rem = n % d;
        bool negate = dividendNegative != (divisor < 0);
        // The 8086 checks the magnitude against the positive limit before negating, so a quotient of
        // -128 (-32768) faults there; the 286 and later accept it.
        ulong limit = (1UL << (bits - 1)) - 1;
        if (negate && c.Model >= CpuModel.I286)
            limit++;
        if (q > limit)
        {
            c.DivideError();
            return;
        }
        if (RepNegates(c, ref op))
            negate = !negate;
        uint quotient = (uint)(negate ? 0 - q : q);
        uint remainder = (uint)(dividendNegative ? 0 - rem : rem);
        uint mask = Processor.SizeMask(size);
        WritePair(c, size, quotient & mask, remainder & mask);
    }
}
