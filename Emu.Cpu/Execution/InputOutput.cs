using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>IN and OUT (imm8 port or DX). INS/OUTS are in <see cref="StringOps"/>.</summary>
internal static unsafe class InputOutput
{
    public static void Register()
    {
        HandlerTable.Map(Mnemonic.In, &In);
        HandlerTable.Map(Mnemonic.Out, &Out, 0, &SpecializeOut);
    }

    // IN AL/AX/EAX, imm8|DX: one port read (one VM exit) of the accumulator's width.
    internal static void In(Processor c, ref DecodedOp op) =>
        InPort(c, op.Kind1 == OperandKind.Imm ? op.Imm : c.Regs[Reg.DX] & 0xFFFF, op.Size);

    // IN and OUT once the port is known: compiled blocks (Compilation/BlockEmitter.cs) call these with an immediate
    // port as a constant.
    internal static void InPort(Processor c, uint port, int size) => c.SetReg(Reg.AX, size, c.PortIn(port, size));

    internal static void OutPort(Processor c, uint port, int size) => c.PortOut(port, size, c.GetReg(Reg.AX, size));

    // OUT imm8, AL: the form port-heavy guests (POST codes, PIC/PIT programming, delays) use most.
    private static nint SpecializeOut(ref DecodedOp op) =>
        op.Kind0 == OperandKind.Imm && op.Kind1 == OperandKind.Reg8 ? (nint)(delegate*<Processor, ref DecodedOp, void>)&OutImmAl : 0;

    internal static void OutImmAl(Processor c, ref DecodedOp op) => OutPort(c, op.Imm, 1);

    // OUT imm8|DX, AL/AX/EAX: one port write of the accumulator's width.
    internal static void Out(Processor c, ref DecodedOp op) =>
        OutPort(c, op.Kind0 == OperandKind.Imm ? op.Imm : c.Regs[Reg.DX] & 0xFFFF, op.Size);
}
