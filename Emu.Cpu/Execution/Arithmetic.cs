using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT.</summary>
internal static unsafe class Arithmetic
{
    // Sub values follow the x86 encoding of the 80-83 group's reg field.
    private const byte Add = 0, Or = 1, Adc = 2, Sbb = 3, And = 4, SubOp = 5, Xor = 6, Cmp = 7, Test = 8;

    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Add, &Binary, Add, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Or, &Binary, Or, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Adc, &Binary, Adc, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Sbb, &Binary, Sbb, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.And, &Binary, And, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Sub, &Binary, SubOp, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Xor, &Binary, Xor, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Cmp, &Binary, Cmp, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Test, &Binary, Test, &Specialized.ForAlu);
        HandlerTable.Map(Mnemonic.Inc, &Inc, 0, &Specialized.ForInc);
        HandlerTable.Map(Mnemonic.Dec, &Dec, 0, &Specialized.ForDec);
        HandlerTable.Map(Mnemonic.Neg, &Neg, 0, &Specialized.ForNeg);
        HandlerTable.Map(Mnemonic.Not, &Not, 0, &Specialized.ForNot);
    }

    internal static void Binary(Processor c, ref DecodedOp op)
    {
        int size = op.Size;
        uint mask = Processor.SizeMask(size);
        uint ea = c.EaIfMem(ref op);
        uint a = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint b = c.ReadOperand(ref op, op.Kind1, op.Reg1, ea) & mask;
        uint carry = c.FlagState.CarryFlag();
        uint r;
        switch (op.Sub)
        {
            case Add: r = c.FlagState.AluAdd(a, b, 0, size); break;
            case Or: r = c.FlagState.AluLogic(a | b, size); break;
            case Adc: r = c.FlagState.AluAdd(a, b, carry, size); break;
            case Sbb: r = c.FlagState.AluSub(a, b, carry, size); break;
            case And: r = c.FlagState.AluLogic(a & b, size); break;
            case SubOp: r = c.FlagState.AluSub(a, b, 0, size); break;
            case Xor: r = c.FlagState.AluLogic(a ^ b, size); break;
            case Cmp: c.FlagState.AluSub(a, b, 0, size); return;
            default: c.FlagState.AluLogic(a & b, size); return; // TEST
        }
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, r);
    }

    internal static void Inc(Processor c, ref DecodedOp op) => IncDec(c, ref op, up: true);

    internal static void Dec(Processor c, ref DecodedOp op) => IncDec(c, ref op, up: false);

    // The flags of ADD or SUB 1, except CF, which INC and DEC leave alone.
    private static void IncDec(Processor c, ref DecodedOp op, bool up)
    {
        uint ea = c.EaIfMem(ref op);
        uint a = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint carry = c.FlagState.CarryFlag();
        uint r = up ? c.FlagState.AluAdd(a, 1, 0, op.Size) : c.FlagState.AluSub(a, 1, 0, op.Size);
        c.FlagsValue = (c.FlagsValue & ~CpuFlags.CF) | carry;
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, r);
    }

    internal static void Neg(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint a = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        uint r = c.FlagState.AluSub(0, a, 0, op.Size);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, r);
    }

    internal static void Not(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint a = c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, ~a & Processor.SizeMask(op.Size));
    }
}
