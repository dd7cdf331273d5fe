using System.Runtime.CompilerServices;
using Iced.Intel;
using Emu.Cpu.Execution;

namespace Emu.Cpu.Decoding;

/// <summary>
/// Turns the bytes at CS:IP into a <see cref="DecodedOp"/>: Iced decodes, this class resolves the
/// operands into register numbers and an address recipe and picks the handler for the model.
/// The 8086's own opcode meanings (aliases that Iced decodes with 186+ meanings) are applied first
/// by <see cref="I8086Opcodes"/>.
/// </summary>
internal sealed unsafe class Translator
{
    private readonly Processor _cpu;
    private readonly FetchBuffer _reader = new();
    private readonly Decoder _decoder;

    public Translator(Processor cpu)
    {
        _cpu = cpu;
        _decoder = Decoder.Create(16, _reader, DecoderOptions.None);
    }

    /// <summary>Builds the tables every translator shares: Iced's decoder tables (made by its first decoder) and the
    /// handler table.</summary>
    public static void PrepareTables()
    {
        Decoder.Create(16, new ByteArrayCodeReader([]), DecoderOptions.None);
        RuntimeHelpers.RunClassConstructor(typeof(HandlerTable).TypeHandle);
    }

    public void Decode(uint csBase, uint ip, uint physical, ref DecodedOp op)
    {
        CpuModel model = _cpu.Model;
        int dropped = _reader.Fill(_cpu.Memory, csBase, ip, model, out bool locked);
        byte[] bytes = _reader.Bytes;

        op.Address = physical;
        if (model == CpuModel.I8086 && I8086Opcodes.TryDecodeSpecial(bytes, ref op))
        {
            op.Length += (byte)dropped;
            return;
        }
        bool movToCs = model switch
        {
            CpuModel.I8086 => I8086Opcodes.Rewrite(bytes),
            CpuModel.I186 => I8086Opcodes.RewriteSegmentNumber(bytes),
            _ => false,
        };

        _decoder.IP = ip;
        _decoder.Decode(out Instruction ins);
        Fill(in ins, ref op);
        if (movToCs)
            op.Reg0 = Seg.CS;
        op.Length += (byte)dropped;
        if (locked)
            op.Prefixes |= PrefixFlags.Lock;
        if (model <= CpuModel.I286 && (HasPrefixOf386(bytes) || NamesFsOrGs(ref op)))
            HandlerTable.SetUndefined(ref op, model);
        CheckLength(ip, model, ref op);
    }

    /// <summary>
    /// The limits the 286 and 386 put on the bytes of one instruction, checked once at decode time. An
    /// instruction running past offset FFFF of CS is a segment overrun (interrupt 13) instead of wrapping
    /// as on the 8086 and 186. One longer than the model's limit (<see cref="FetchBuffer.MaxLength"/>) is
    /// interrupt 6 on the 286 and 13 on the 386; of the two, the byte fetched first decides: a too-long
    /// instruction is found at its limit + 1st byte.
    /// </summary>
    private static void CheckLength(uint ip, CpuModel model, ref DecodedOp op)
    {
        if (model < CpuModel.I286)
            return;
        int limit = FetchBuffer.MaxLength(model);
        bool tooLong = op.Length > limit;
        int fetched = tooLong ? limit + 1 : op.Length;
        if (ip + fetched > 0x1_0000)
            op.Execute = &SystemOps.GeneralProtection;
        else if (tooLong)
            op.Execute = model == CpuModel.I286 ? &SystemOps.Undefined : &SystemOps.GeneralProtection;
    }

    /// <summary>Before the 386 there are four segment registers: MOV to or from segment register
    /// 4 or 5 (8C/8E with reg = 4, 5; Iced's FS and GS) is an undefined opcode, as 6 and 7 are.</summary>
    private static bool NamesFsOrGs(ref DecodedOp op) =>
        (op.Kind0 == OperandKind.Seg && op.Reg0 >= Seg.FS) || (op.Kind1 == OperandKind.Seg && op.Reg1 >= Seg.FS);

    /// <summary>64-67 are the 386's FS, GS, operand-size and address-size prefixes; before the 386
    /// they are undefined opcodes (#UD from the 186 on), wherever they stand in the prefix run.</summary>
    private static bool HasPrefixOf386(byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b is >= 0x64 and <= 0x67)
                return true;
            if (!FetchBuffer.IsPrefix(b, CpuModel.I286))
                return false;
        }
        return false;
    }

    private void Fill(in Instruction ins, ref DecodedOp op)
    {
        op.Code = (ushort)ins.Code;
        op.Length = (byte)Math.Max(1, ins.Length);
        op.Base = op.Index = Reg.None;
        op.Seg = Seg.DS;

        if (ins.HasRepPrefix) op.Prefixes |= PrefixFlags.Rep;
        if (ins.HasRepnePrefix) op.Prefixes |= PrefixFlags.Repne;
        if (ins.HasLockPrefix) op.Prefixes |= PrefixFlags.Lock;
        if (ins.SegmentPrefix != Register.None) op.Prefixes |= PrefixFlags.SegOverride;

        if (ins.Code == Code.INVALID)
        {
            HandlerTable.SetUndefined(ref op, _cpu.Model);
            return;
        }

        int count = Math.Min(ins.OpCount, 3);
        for (int i = 0; i < count; i++)
            FillOperand(in ins, i, ref op);

        op.MemSize = (byte)ins.MemorySize.GetSize();
        op.Size = OperandSize(in ins, ref op);
        HandlerTable.Resolve(in ins, ref op, _cpu.Model, _cpu.UseSpecializedHandlers);
    }

    private static void FillOperand(in Instruction ins, int i, ref DecodedOp op)
    {
        OperandKind kind;
        byte reg = 0;
        switch (ins.GetOpKind(i))
        {
            case OpKind.Register:
                kind = MapRegister(ins.GetOpRegister(i), out reg);
                break;
            case OpKind.Immediate8:
            case OpKind.Immediate16:
            case OpKind.Immediate32:
            case OpKind.Immediate8to16:
            case OpKind.Immediate8to32:
                kind = OperandKind.Imm;
                op.Imm = (uint)ins.GetImmediate(i);
                break;
            case OpKind.Immediate8_2nd:
                kind = OperandKind.Imm;
                op.Imm2 = (uint)ins.GetImmediate(i);
                break;
            // Near branches keep their displacement, not the target: the same bytes can run at
            // another CS:IP (a cache entry is keyed by physical address), and the target is
            // relative to wherever the next instruction is then.
            case OpKind.NearBranch16:
                kind = OperandKind.Imm;
                op.Imm = (uint)(ins.NearBranch16 - ins.NextIP16) & 0xFFFF;
                break;
            case OpKind.NearBranch32:
                kind = OperandKind.Imm;
                op.Imm = ins.NearBranch32 - ins.NextIP32;
                break;
            case OpKind.FarBranch16:
                kind = OperandKind.Imm;
                op.Imm = ins.FarBranch16;
                op.Imm2 = ins.FarBranchSelector;
                break;
            case OpKind.FarBranch32:
                kind = OperandKind.Imm;
                op.Imm = ins.FarBranch32;
                op.Imm2 = ins.FarBranchSelector;
                break;
            case OpKind.Memory:
                kind = OperandKind.Mem;
                FillMemory(in ins, ref op);
                break;
            case OpKind.MemorySegSI:
            case OpKind.MemorySegDI:
            case OpKind.MemoryESDI:
                kind = OperandKind.Mem;
                op.Seg = SegmentNumber(ins.MemorySegment);
                break;
            case OpKind.MemorySegESI:
            case OpKind.MemorySegEDI:
            case OpKind.MemoryESEDI:
                kind = OperandKind.Mem;
                op.Seg = SegmentNumber(ins.MemorySegment);
                op.Address32 = true;
                break;
            default:
                kind = OperandKind.None;
                break;
        }
        switch (i)
        {
            case 0: op.Kind0 = kind; op.Reg0 = reg; break;
            case 1: op.Kind1 = kind; op.Reg1 = reg; break;
            default: op.Kind2 = kind; op.Reg2 = reg; break;
        }
    }

    private static void FillMemory(in Instruction ins, ref DecodedOp op)
    {
        op.Seg = SegmentNumber(ins.MemorySegment);
        Register b = ins.MemoryBase, x = ins.MemoryIndex;
        bool address32 = b.IsGPR32() || x.IsGPR32() || (b == Register.None && x == Register.None && ins.MemoryDisplSize == 4);
        op.Address32 = address32;
        op.Base = b == Register.None ? (byte)Reg.None : (byte)(b.GetNumber() & 7);
        op.Index = x == Register.None ? (byte)Reg.None : (byte)(x.GetNumber() & 7);
        // Not BitOperations.Log2, whose precompiled code this CPU's LZCNT makes the runtime set aside and JIT-compile.
        op.Scale = ins.MemoryIndexScale switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 };
        op.Disp = address32 ? ins.MemoryDisplacement32 : ins.MemoryDisplacement32 & 0xFFFF;
    }

    // The number comes out as an out parameter: a (kind, byte) tuple's code is JIT-compiled, not precompiled.
    internal static OperandKind MapRegister(Register r, out byte number)
    {
        number = 0;
        if (r.IsGPR8()) return Numbered(OperandKind.Reg8, r - Register.AL, out number);
        if (r.IsGPR16()) return Numbered(OperandKind.Reg16, r - Register.AX, out number);
        if (r.IsGPR32()) return Numbered(OperandKind.Reg32, r - Register.EAX, out number);
        if (r.IsSegmentRegister()) return Numbered(OperandKind.Seg, r - Register.ES, out number);
        if (r.IsCR()) return Numbered(OperandKind.Control, r - Register.CR0, out number);
        if (r.IsDR()) return Numbered(OperandKind.Debug, r - Register.DR0, out number);
        if (r.IsTR()) return Numbered(OperandKind.Test, r - Register.TR0, out number);
        return OperandKind.None;
    }

    private static OperandKind Numbered(OperandKind kind, int index, out byte number)
    {
        number = (byte)index;
        return kind;
    }

    private static byte SegmentNumber(Register r) =>
        r.IsSegmentRegister() ? (byte)(r - Register.ES) : (byte)Seg.DS;

    // Operand size: the width of the first general-register or memory operand; failing that the
    // operand size the encoding declares (PUSH imm16 vs imm32, near branches, IRET vs IRETD).
    // OUT and OUTS name the port first: their width is that of the data, operand 1 (OUTSB moves
    // bytes though DX is a word register).
    private static byte OperandSize(in Instruction ins, ref DecodedOp op)
    {
        bool portFirst = ins.Mnemonic is Mnemonic.Out or Mnemonic.Outsb or Mnemonic.Outsw or Mnemonic.Outsd;
        for (int i = portFirst ? 1 : 0; i < 3; i++)
        {
            OperandKind k = i == 0 ? op.Kind0 : i == 1 ? op.Kind1 : op.Kind2;
            switch (k)
            {
                case OperandKind.Reg8: return 1;
                case OperandKind.Reg16: return 2;
                case OperandKind.Reg32: return 4;
                case OperandKind.Mem when op.MemSize is 1 or 2 or 4: return op.MemSize;
            }
        }
        return DeclaredOperandSize(in ins);
    }

    /// <summary>
    /// The operand size an instruction's encoding declares when no general-register or memory operand shows it: 4
    /// for the 32-bit forms (a 66h prefix in 16-bit code), else 2. It is Iced's <c>OpCodeInfo.OperandSize</c> (32 or
    /// not), read from the operands and the few codes they leave open instead: the first <c>ToOpCode()</c> builds
    /// Iced's 4,936 OpCodeInfo records, about 5 ms of every start (the first instruction, a far JMP, takes this path).
    /// TranslatorTests compares the two on every opcode.
    /// </summary>
    internal static byte DeclaredOperandSize(in Instruction ins)
    {
        if (ins.Code == Code.Xbegin_rel16) // a 16-bit form whose target Iced gives as a 32-bit offset
            return 2;
        for (int i = 0; i < ins.OpCount; i++)
        {
            switch (ins.GetOpKind(i))
            {
                case OpKind.NearBranch32 or OpKind.FarBranch32 or OpKind.Immediate32 or OpKind.Immediate8to32:
                    return 4;
                case OpKind.NearBranch16 or OpKind.FarBranch16 or OpKind.Immediate8to16:
                    return 2;
            }
        }
        return ins.Code switch
        {
            Code.Cwde or Code.Cdq or Code.Iretd or Code.Pushad or Code.Popad or Code.Pushfd or Code.Popfd
                or Code.Retnd or Code.Retnd_imm16 or Code.Retfd or Code.Retfd_imm16 or Code.Enterd_imm16_imm8 or Code.Leaved
                or Code.Nopd or Code.Pushd_ES or Code.Pushd_CS or Code.Pushd_SS or Code.Pushd_DS or Code.Pushd_FS
                or Code.Pushd_GS or Code.Popd_ES or Code.Popd_SS or Code.Popd_DS or Code.Popd_FS or Code.Popd_GS
                or Code.Call_m1632 or Code.Jmp_m1632 or Code.Lgdt_m1632 or Code.Lidt_m1632 or Code.Sgdt_m1632
                or Code.Sidt_m1632 or Code.Fldenv_m28byte or Code.Fnstenv_m28byte or Code.Frstor_m108byte
                or Code.Fnsave_m108byte => 4,
            _ => 2,
        };
    }
}
