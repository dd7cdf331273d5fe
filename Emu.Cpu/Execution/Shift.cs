using System.Runtime.CompilerServices;
using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>ROL ROR RCL RCR SHL SHR SAR, SAL (SETMO on the 8086), SHLD SHRD.</summary>
internal static unsafe class Shift
{
    // Sub values follow the reg field of the D0-D3 group.
    private const byte Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sar = 7;

    /// <summary>The Sub of SAL (/6): SETMO on the 8086, so no fast form takes it.</summary>
    internal const byte Sal = 6;

    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Rol, &Group, Rol, &Specialized.ForShift);
        HandlerTable.Map(Mnemonic.Ror, &Group, Ror, &Specialized.ForShift);
        HandlerTable.Map(Mnemonic.Rcl, &Group, Rcl, &Specialized.ForShift);
        HandlerTable.Map(Mnemonic.Rcr, &Group, Rcr, &Specialized.ForShift);
        HandlerTable.Map(Mnemonic.Shl, &Group, Shl, &Specialized.ForShift);
        HandlerTable.Map(Mnemonic.Shr, &Group, Shr, &Specialized.ForShift);
        HandlerTable.Map(Mnemonic.Sal, &Group, Sal);
        HandlerTable.Map(Mnemonic.Sar, &Group, Sar, &Specialized.ForShift);
        HandlerTable.Map(Mnemonic.Shld, &Shld);
        HandlerTable.Map(Mnemonic.Shrd, &Shrd);
    }

    /// <summary>The D0-D3 (and C0/C1) group. Operand 1 is the count: the immediate 1 or imm8, or CL.</summary>
    internal static void Group(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint ea = c.EaIfMem(ref op);
        // The 8086 shifts one bit per microcode loop for the whole CL count; the 186 and later use
        // only its low five bits.
        int count = (int)(c.ReadOperand(ref op, op.Kind1, op.Reg1, ea) & 0xFF);
        if (c.Model != CpuModel.I8086)
            count &= 31;
        if (count == 0)
            return; // nothing moves, no flag changes (the operand is still read, as the CPU does)

        uint a = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea) & Processor.SizeMask(size);
        if (op.Sub == Sal && c.Model == CpuModel.I8086)
        {
            // SETMO/SETMOC: the 8086 ORs the operand with all ones; flags as for OR.
            uint mask = Processor.SizeMask(size);
            c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, mask);
            c.FlagState.AluLogic(mask, size);
            return;
        }
        // The flags are written before the result: a memory operand that was just read can be written
        // (same segment, same offset), so no fault can come between the two.
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, Apply(ref c.FlagState, op.Sub, a, count, size));
    }

    /// <summary>
    /// Shifts or rotates <paramref name="a"/> (masked to <paramref name="size"/>) by <paramref name="count"/>
    /// (1-255, already masked as the model masks it), sets CF, OF and, for the shifts, SF, ZF and PF, and
    /// returns the result. SAL is SHL here. Inlined: the specialised handlers and compiled blocks pass the
    /// operation and count as constants, and the JIT keeps only that case.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Apply(ref LazyFlags flags, int sub, uint a, int count, int size)
    {
        int bits = size * 8;
        uint mask = Processor.SizeMask(size);
        uint sign = Processor.SignBit(size);
        // A shift replaces every status flag but AF, which it keeps: that one bit is taken from a pending lazy
        // record without materialising the rest. A rotate keeps SF, ZF, PF and AF, and RCL/RCR read CF.
        uint cf = flags.CarryFlag();
        uint r;
        bool of;
        switch (sub)
        {
            case Rol:
            {
                int n = count % bits;
                r = ((a << n) | (uint)((ulong)a >> (bits - n))) & mask;
                cf = r & 1;                                  // the last bit rotated round
                of = ((r & sign) != 0) != (cf != 0);
                break;
            }
            case Ror:
            {
                int n = count % bits;
                r = ((a >> n) | (uint)((ulong)a << (bits - n))) & mask;
                cf = (r & sign) != 0 ? 1u : 0;
                of = ((r ^ (r << 1)) & sign) != 0;            // top two bits differ
                break;
            }
            case Rcl:
            {
                // A rotate of bits+1 bits: the operand with CF above it.
                int n = count % (bits + 1);
                ulong wide = ((ulong)cf << bits) | a;
                wide = ((wide << n) | (wide >> (bits + 1 - n))) & ((2UL << bits) - 1);
                r = (uint)wide & mask;
                cf = (uint)(wide >> bits) & 1;
                of = ((r & sign) != 0) != (cf != 0);
                break;
            }
            case Rcr:
            {
                int n = count % (bits + 1);
                ulong wide = ((ulong)cf << bits) | a;
                wide = ((wide >> n) | (wide << (bits + 1 - n))) & ((2UL << bits) - 1);
                r = (uint)wide & mask;
                cf = (uint)(wide >> bits) & 1;
                of = ((r ^ (r << 1)) & sign) != 0;
                break;
            }
            case Shl:
            case Sal:
                // Counts past the width (8086 only) shift everything out: result and CF are 0.
                r = count >= 64 ? 0 : (uint)((ulong)a << count) & mask;
                cf = count > bits ? 0 : (a >> (bits - count)) & 1;
                of = ((r & sign) != 0) != (cf != 0);
                break;
            case Shr:
                r = count >= bits ? 0 : a >> count;
                cf = count > bits ? 0 : (uint)((ulong)a >> (count - 1)) & 1;
                // OF is the top bit of the operand before the last one-bit step.
                of = count <= bits && ((uint)((ulong)a >> (count - 1)) & sign) != 0;
                break;
            default: // Sar
            {
                long s = (long)(int)(a << (32 - bits)) >> (32 - bits);
                int n = Math.Min(count, bits);
                r = (uint)(s >> n) & mask;
                cf = (uint)(s >> (n - 1)) & 1;
                of = false;                                   // the sign never changes
                break;
            }
        }

        if (sub >= Shl)
            return flags.SettledOp(r, flags.ControlFlags() | flags.AuxFlag() | cf | (of ? CpuFlags.OF : 0), size);
        flags.RotateOp(cf, of);
        return r;
    }

    // SHLD/SHRD (386): operand 0 shifted with bits from operand 1 filling in; count is imm8 or CL,
    // masked to five bits. Counts beyond a 16-bit operand's width are undefined; here the operand's
    // own bits follow the source's, as the 386 is reported to do.
    internal static void Shld(Processor c, ref DecodedOp op) => DoubleShift(c, ref op, left: true);

    internal static void Shrd(Processor c, ref DecodedOp op) => DoubleShift(c, ref op, left: false);

    private static void DoubleShift(Processor c, ref DecodedOp op, bool left)
    {
        int size = op.Size;
        uint ea = c.EaIfMem(ref op);
        int count = (int)(c.ReadOperand(ref op, op.Kind2, op.Reg2, ea) & 31);
        if (count == 0)
            return;
        uint d = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint s = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea);
        uint r, cf;
        if (size == 4)
        {
            if (left)
            {
                ulong t = ((ulong)d << 32) | s;
                r = (uint)((t << count) >> 32);
                cf = (uint)((t << (count - 1)) >> 63);
            }
            else
            {
                ulong t = ((ulong)s << 32) | d;
                r = (uint)(t >> count);
                cf = (uint)(t >> (count - 1)) & 1;
            }
        }
        else if (left)
        {
            // d:s:d, top-aligned in 64 bits.
            ulong t = ((ulong)d << 48) | ((ulong)s << 32) | ((ulong)d << 16);
            r = (uint)((t << count) >> 48);
            cf = (uint)((t << (count - 1)) >> 63);
        }
        else
        {
            ulong t = ((ulong)d << 32) | ((ulong)s << 16) | d;
            r = (uint)(t >> count) & 0xFFFF;
            cf = (uint)(t >> (count - 1)) & 1;
        }
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, r);
        uint f = (c.FlagsValue & ~(CpuFlags.CF | CpuFlags.OF | CpuFlags.SF | CpuFlags.ZF | CpuFlags.PF))
                 | cf | Processor.SzpBits(r, size);
        if (((r ^ d) & Processor.SignBit(size)) != 0)
            f |= CpuFlags.OF; // the sign changed (defined for a count of 1)
        c.FlagsValue = f;
    }
}
