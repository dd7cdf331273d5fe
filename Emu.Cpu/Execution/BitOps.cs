using System.Buffers.Binary;
using System.Numerics;
using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>BT BTS BTR BTC, BSF BSR, SETcc, BSWAP, XADD, CMPXCHG (386/486).</summary>
internal static unsafe class BitOps
{
    private const byte Test = 0, SetBit = 1, ResetBit = 2, Complement = 3;
    private const byte Forward = 0, Reverse = 1;

    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Bt, &BitTest, Test);
        HandlerTable.Map(Mnemonic.Bts, &BitTest, SetBit);
        HandlerTable.Map(Mnemonic.Btr, &BitTest, ResetBit);
        HandlerTable.Map(Mnemonic.Btc, &BitTest, Complement);
        HandlerTable.Map(Mnemonic.Bsf, &BitScan, Forward);
        HandlerTable.Map(Mnemonic.Bsr, &BitScan, Reverse);
        // Condition codes in encoding order (0F 90-9F); CMOVcc is a Pentium Pro addition and stays
        // unmapped, so it is #UD here.
        Mnemonic[] set =
        [
            Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne,
            Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp,
            Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
        ];
        for (int cc = 0; cc < set.Length; cc++)
            HandlerTable.Map(set[cc], &SetCondition, (byte)cc, &Specialized.ForSetcc);
        HandlerTable.Map(Mnemonic.Bswap, &Bswap);
        HandlerTable.Map(Mnemonic.Xadd, &Xadd);
        HandlerTable.Map(Mnemonic.Cmpxchg, &Cmpxchg);
    }

    /// <summary>BT/BTS/BTR/BTC: CF = the selected bit, then set, clear or flip it (not BT).</summary>
    internal static void BitTest(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        int bits = size * 8;
        uint offset = c.ReadOperand(ref op, op.Kind1, op.Reg1, 0);
        int bit = (int)(offset & (uint)(bits - 1));
        uint ea = 0;
        if (op.Kind0 == OperandKind.Mem)
        {
            ea = c.Ea(ref op);
            // A register bit offset is signed and may reach outside the operand: it selects the
            // word (dword) at ea + size * (offset >> log2(bits)). An immediate offset stays inside.
            if (op.Kind1 != OperandKind.Imm)
            {
                long signedOffset = size == 2 ? (short)offset : (int)offset;
                ea += (uint)((signedOffset >> (size == 2 ? 4 : 5)) * size);
                if (!op.Address32)
                    ea &= 0xFFFF;
            }
        }
        uint value = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint mask = 1u << bit;
        c.SetFlag(CpuFlags.CF, (value & mask) != 0);
        uint r;
        switch (op.Sub)
        {
            case SetBit: r = value | mask; break;
            case ResetBit: r = value & ~mask; break;
            case Complement: r = value ^ mask; break;
            default: return;
        }
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, r);
    }

    /// <summary>BSF/BSR: index of the lowest/highest set bit; a zero source sets ZF and leaves the destination alone.</summary>
    internal static void BitScan(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint src = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea) & Processor.SizeMask(op.Size);
        if (src == 0)
        {
            c.SetFlag(CpuFlags.ZF, true);
            return;
        }
        c.SetFlag(CpuFlags.ZF, false);
        uint index = op.Sub == Forward
            ? (uint)BitOperations.TrailingZeroCount(src)
            : (uint)BitOperations.Log2(src);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, index);
    }

    internal static void SetCondition(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, c.FlagState.Condition(op.Sub) ? 1u : 0);
    }

    /// <summary>BSWAP r32 (486). With a 16-bit operand the result is undefined; the chips give 0.</summary>
    internal static void Bswap(Processor c, ref DecodedOp op)
    {
        uint v = c.ReadOperand(ref op, op.Kind0, op.Reg0, 0);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, 0, op.Size == 4 ? BinaryPrimitives.ReverseEndianness(v) : 0);
    }

    /// <summary>XADD (486): the source register gets the old destination, the destination the sum.</summary>
    internal static void Xadd(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint dest = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint src = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea);
        uint sum = c.FlagState.AluAdd(dest, src, 0, op.Size);
        c.WriteOperand(ref op, op.Kind1, op.Reg1, ea, dest);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, sum); // last, so XADD r,r with one register keeps the sum
    }

    /// <summary>CMPXCHG (486): compare the accumulator with the destination; equal: destination = source,
    /// else accumulator = destination. Flags as CMP accumulator, destination.</summary>
    internal static void Cmpxchg(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint ea = c.EaIfMem(ref op);
        uint dest = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint acc = c.GetReg(Reg.AX, size);
        c.FlagState.AluSub(acc, dest, 0, size);
        if (acc == dest)
            c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, c.ReadOperand(ref op, op.Kind1, op.Reg1, ea));
        else
            c.SetReg(Reg.AX, size, dest);
    }
}
