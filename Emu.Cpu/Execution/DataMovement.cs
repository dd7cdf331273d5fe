using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>MOV (all forms), XCHG, LEA, LDS/LES/LSS/LFS/LGS, XLAT, LAHF/SAHF, CBW/CWD/CWDE/CDQ, MOVZX/MOVSX.</summary>
internal static unsafe class DataMovement
{
    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Mov, &Mov, 0, &Specialized.ForMov);
        HandlerTable.Map(Mnemonic.Xchg, &Xchg, 0, &Specialized.ForXchg);
        HandlerTable.Map(Mnemonic.Lea, &Lea, 0, &Specialized.ForLea);
        HandlerTable.Map(Mnemonic.Lds, &LoadFarPointer, Seg.DS);
        HandlerTable.Map(Mnemonic.Les, &LoadFarPointer, Seg.ES);
        HandlerTable.Map(Mnemonic.Lss, &LoadFarPointer, Seg.SS);
        HandlerTable.Map(Mnemonic.Lfs, &LoadFarPointer, Seg.FS);
        HandlerTable.Map(Mnemonic.Lgs, &LoadFarPointer, Seg.GS);
        HandlerTable.Map(Mnemonic.Xlatb, &Xlat);
        HandlerTable.Map(Mnemonic.Lahf, &Lahf);
        HandlerTable.Map(Mnemonic.Sahf, &Sahf);
        HandlerTable.Map(Mnemonic.Cbw, &Cbw);
        HandlerTable.Map(Mnemonic.Cwde, &Cwde);
        HandlerTable.Map(Mnemonic.Cwd, &Cwd);
        HandlerTable.Map(Mnemonic.Cdq, &Cdq);
        HandlerTable.Map(Mnemonic.Movzx, &MovExtend, 0, &Specialized.ForMovExtend);
        HandlerTable.Map(Mnemonic.Movsx, &MovExtend, 1, &Specialized.ForMovExtend);
    }

    internal static void Mov(Processor c, ref DecodedOp op)
    {
        if (op.Kind0 is OperandKind.Control or OperandKind.Debug or OperandKind.Test
            || op.Kind1 is OperandKind.Control or OperandKind.Debug or OperandKind.Test)
        {
            SystemOps.MovSpecial(c, ref op);
            return;
        }
        uint ea = c.EaIfMem(ref op);
        uint v = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, v);
        if (op.Kind0 == OperandKind.Seg)
            c.SegmentLoaded(op.Reg0);
    }

    internal static void Xchg(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint a = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint b = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, b);
        c.WriteOperand(ref op, op.Kind1, op.Reg1, ea, a);
    }

    internal static void Lea(Processor c, ref DecodedOp op) =>
        c.WriteOperand(ref op, op.Kind0, op.Reg0, 0, c.Ea(ref op) & Processor.SizeMask(op.Size));

    internal static void LoadFarPointer(Processor c, ref DecodedOp op)
    {
        uint ea = c.Ea(ref op);
        int size = op.Size;
        uint selectorAt = c.OperandPart(ref op, ea, (uint)size, size + 2);
        uint offset = c.ReadMem(op.Seg, ea, size);
        uint selector = c.ReadMem16(op.Seg, selectorAt);
        c.SetReg(op.Reg0, size, offset);
        c.LoadSegment(op.Sub, selector);
        if (op.Sub == Seg.SS)
            c.SegmentLoaded(Seg.SS);
    }

    internal static void Xlat(Processor c, ref DecodedOp op)
    {
        uint ea = c.Regs[Reg.BX] + c.GetReg8(0);
        if (!op.Address32)
            ea &= 0xFFFF;
        c.SetReg8(0, c.ReadMem8(op.Seg, ea));
    }

    internal static void Lahf(Processor c, ref DecodedOp op) => c.SetReg8(4, c.FlagsValue & 0xFF);

    internal static void Sahf(Processor c, ref DecodedOp op) =>
        c.FlagsValue = (c.FlagsValue & ~0xD5u) | (c.GetReg8(4) & 0xD5u);

    internal static void Cbw(Processor c, ref DecodedOp op) => c.SetReg16(Reg.AX, (uint)(sbyte)c.Regs[Reg.AX]);

    internal static void Cwde(Processor c, ref DecodedOp op) => c.Regs[Reg.AX] = (uint)(short)c.Regs[Reg.AX];

    internal static void Cwd(Processor c, ref DecodedOp op) =>
        c.SetReg16(Reg.DX, (c.Regs[Reg.AX] & 0x8000) != 0 ? 0xFFFFu : 0);

    internal static void Cdq(Processor c, ref DecodedOp op) =>
        c.Regs[Reg.DX] = (c.Regs[Reg.AX] & 0x8000_0000) != 0 ? 0xFFFF_FFFFu : 0;

    internal static void MovExtend(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint v = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea);
        int sourceSize = op.Kind1 switch
        {
            OperandKind.Reg8 => 1,
            OperandKind.Reg16 => 2,
            _ => op.MemSize,
        };
        if (op.Sub == 1)
            v = sourceSize == 1 ? (uint)(sbyte)v : (uint)(short)v;
        c.WriteOperand(ref op, op.Kind0, op.Reg0, 0, v & Processor.SizeMask(op.Size));
    }
}
