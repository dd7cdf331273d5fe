using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>Flag instructions, HLT, NOP/WAIT/ESC, #UD, descriptor-table registers, MSW/CR0, VMCALL.</summary>
internal static unsafe class SystemOps
{
    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Clc, &ClearFlag, 0);
        HandlerTable.Map(Mnemonic.Stc, &SetFlag, 0);
        HandlerTable.Map(Mnemonic.Cmc, &Cmc);
        HandlerTable.Map(Mnemonic.Cld, &ClearFlag, 10);
        HandlerTable.Map(Mnemonic.Std, &SetFlag, 10);
        HandlerTable.Map(Mnemonic.Cli, &ClearFlag, 9);
        HandlerTable.Map(Mnemonic.Sti, &Sti);
        HandlerTable.Map(Mnemonic.Hlt, &Hlt);
        HandlerTable.Map(Mnemonic.Nop, &Nop);
        HandlerTable.Map(Mnemonic.Pause, &Nop);
        HandlerTable.Map(Mnemonic.Wait, &Nop);
        HandlerTable.Map(Mnemonic.Ud0, &Undefined);
        HandlerTable.Map(Mnemonic.Ud1, &Undefined);
        HandlerTable.Map(Mnemonic.Ud2, &Undefined);
        HandlerTable.Map(Mnemonic.Lidt, &LoadTableRegister, 1);
        HandlerTable.Map(Mnemonic.Lgdt, &LoadTableRegister, 0);
        HandlerTable.Map(Mnemonic.Sidt, &StoreTableRegister, 1);
        HandlerTable.Map(Mnemonic.Sgdt, &StoreTableRegister, 0);
        HandlerTable.Map(Mnemonic.Smsw, &Smsw);
        HandlerTable.Map(Mnemonic.Lmsw, &Lmsw);
        HandlerTable.Map(Mnemonic.Clts, &Clts);
        HandlerTable.Map(Mnemonic.Vmcall, &Vmcall);
    }

    internal static void Nop(Processor c, ref DecodedOp op) { }

    /// <summary>#UD: an opcode this model does not have. The pushed IP is the opcode's own.</summary>
    internal static void Undefined(Processor c, ref DecodedOp op) => c.RaiseException(6);

    /// <summary>Interrupt 13 (#GP) before anything executes: on the 286 and 386 for an instruction that
    /// runs past offset FFFF of CS (the real-mode limit check on fetch), on the 386 also for one longer
    /// than 15 bytes (see Translator.CheckLength).</summary>
    internal static void GeneralProtection(Processor c, ref DecodedOp op) => c.RaiseException(13);

    internal static void ClearFlag(Processor c, ref DecodedOp op)
    {
        c.FlagsValue &= ~(1u << op.Sub);
    }

    internal static void SetFlag(Processor c, ref DecodedOp op) => c.FlagsValue |= 1u << op.Sub;

    internal static void Cmc(Processor c, ref DecodedOp op) => c.FlagsValue ^= CpuFlags.CF;

    // STI enables interrupts after the next instruction, so STI; HLT cannot miss a wake-up.
    private static void Sti(Processor c, ref DecodedOp op)
    {
        if ((c.FlagsValue & CpuFlags.IF) == 0)
            c.OpenInterruptShadow();
        c.FlagsValue |= CpuFlags.IF;
    }

    private static void Hlt(Processor c, ref DecodedOp op) => c.EnterHalt();

    private static void Vmcall(Processor c, ref DecodedOp op) => c.Hypercall();

    // LGDT/LIDT: a 16-bit limit then a 24-bit base (32-bit with a 32-bit operand size).
    private static void LoadTableRegister(Processor c, ref DecodedOp op)
    {
        uint ea = c.Ea(ref op);
        uint baseAt = c.OperandPart(ref op, ea, 2, 6);
        uint limit = c.ReadMem16(op.Seg, ea);
        uint baseAddress = c.ReadMem32(op.Seg, baseAt);
        if (op.Size != 4)
            baseAddress &= 0x00FF_FFFF;
        if (op.Sub == 1)
        {
            c.IdtBase = baseAddress;
            c.IdtLimit = (ushort)limit;
        }
        else
        {
            c.GdtBase = baseAddress;
            c.GdtLimit = (ushort)limit;
        }
    }

    private static void StoreTableRegister(Processor c, ref DecodedOp op)
    {
        uint ea = c.Ea(ref op);
        bool idt = op.Sub == 1;
        uint limit = idt ? c.IdtLimit : c.GdtLimit;
        uint baseAddress = idt ? c.IdtBase : c.GdtBase;
        // A 286 stores FFh in the byte above the 24-bit base; the 386 stores the base's top byte
        // with a 32-bit operand and 0 with a 16-bit one.
        if (c.Model == CpuModel.I286)
            baseAddress |= 0xFF00_0000;
        else if (op.Size != 4)
            baseAddress &= 0x00FF_FFFF;
        uint baseAt = c.OperandPart(ref op, ea, 2, 6);
        c.WriteMem16(op.Seg, ea, limit);
        c.WriteMem32(op.Seg, baseAt, baseAddress);
    }

    private static void Smsw(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint msw = c.Model == CpuModel.I286 ? 0xFFF0u | (c.Cr0 & 0xF) : c.Cr0;
        if (op.Kind0 == OperandKind.Mem)
            c.WriteMem16(op.Seg, ea, msw);
        else
            c.WriteOperand(ref op, op.Kind0, op.Reg0, ea, msw & Processor.SizeMask(op.Size));
    }

    private static void Lmsw(Processor c, ref DecodedOp op)
    {
        uint ea = c.EaIfMem(ref op);
        uint value = op.Kind0 == OperandKind.Mem ? c.ReadMem16(op.Seg, ea) : c.ReadOperand(ref op, op.Kind0, op.Reg0, ea);
        // LMSW cannot clear PE; it sets MP, EM, TS and possibly PE.
        c.SetCr0((c.Cr0 & ~0xEu) | (value & 0xF) | (c.Cr0 & 1));
    }

    private static void Clts(Processor c, ref DecodedOp op) => c.Cr0 &= ~8u;

    /// <summary>MOV to and from CRn, DRn, TRn (386): CR0 and CR2/CR3 are kept; PE cannot be set.</summary>
    internal static void MovSpecial(Processor c, ref DecodedOp op)
    {
        if (op.Kind1 is OperandKind.Control or OperandKind.Debug or OperandKind.Test)
        {
            uint value = op.Kind1 == OperandKind.Control ? c.ReadControlRegister(op.Reg1) : 0;
            if (op.Kind1 == OperandKind.Debug)
                value = c.DebugRegisters[op.Reg1 & 7];
            c.Regs[op.Reg0] = value;
            return;
        }
        uint v = c.Regs[op.Reg1];
        switch (op.Kind0)
        {
            case OperandKind.Control:
                c.WriteControlRegister(op.Reg0, v);
                break;
            case OperandKind.Debug:
                c.DebugRegisters[op.Reg0 & 7] = v;
                break;
        }
    }
}
