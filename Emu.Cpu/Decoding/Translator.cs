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

    public void Decode(uint csBase, uint ip, uint physical, ref DecodedOp op)
    {
        var memory = _cpu.Memory;
        byte[] bytes = _reader.Bytes;
        // Instruction bytes wrap inside the code segment at offset FFFF.
        for (int i = 0; i < FetchBuffer.Capacity; i++)
            bytes[i] = memory.Peek8(csBase + ((ip + (uint)i) & 0xFFFF));

        op.Address = physical;
        if (_cpu.Model == CpuModel.I8086 && I8086Opcodes.TryDecodeSpecial(bytes, ref op))
            return;
        bool movToCs = _cpu.Model switch
        {
            CpuModel.I8086 => I8086Opcodes.Rewrite(bytes),
            CpuModel.I186 => I8086Opcodes.RewriteSegmentNumber(bytes),
            _ => false,
        };
        int locks = _cpu.Model <= CpuModel.I286 ? RemoveLockPrefixes(bytes) : 0;

        _reader.Position = 0;
        _decoder.IP = ip;
        _decoder.Decode(out Instruction ins);
        Fill(in ins, ref op);
        if (movToCs)
            op.Reg0 = Seg.CS;
        if (locks > 0)
        {
            op.Length += (byte)locks;
            op.Prefixes |= PrefixFlags.Lock;
        }
        if (_cpu.Model <= CpuModel.I286 && (HasPrefixOf386(bytes) || NamesFsOrGs(ref op)))
            HandlerTable.SetUndefined(ref op, _cpu.Model);
        // The 286 and 386 check the real-mode CS limit on fetch: an instruction that runs past offset
        // FFFF is a segment overrun (#GP) instead of wrapping as it does on the 8086 and 186.
        if (_cpu.Model >= CpuModel.I286 && ip + op.Length > 0x1_0000)
            op.Execute = &SystemOps.SegmentOverrun;
    }

    // The prefixes of the 8086, 186 and 286: segment overrides, LOCK, REPNE, REP.
    private static bool IsPrefixBefore386(byte b) => b is 0x26 or 0x2E or 0x36 or 0x3E or 0xF0 or 0xF2 or 0xF3;

    /// <summary>
    /// Before the 386, LOCK only asserts the bus lock signal: the 8086, 186 and 286 execute it before
    /// any instruction, where the 386 (and Iced) reject it on non-lockable forms. The LOCK bytes are
    /// taken out of the prefix run so Iced decodes what follows; returns how many there were.
    /// </summary>
    private static int RemoveLockPrefixes(byte[] bytes)
    {
        int read = 0, write = 0;
        for (; read < bytes.Length && IsPrefixBefore386(bytes[read]); read++)
        {
            if (bytes[read] != 0xF0)
                bytes[write++] = bytes[read];
        }
        int removed = read - write;
        if (removed > 0)
            Array.Copy(bytes, read, bytes, write, bytes.Length - read);
        return removed;
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
            if (!IsPrefixBefore386(b))
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
                (kind, reg) = MapRegister(ins.GetOpRegister(i));
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
        op.Scale = (byte)System.Numerics.BitOperations.Log2((uint)Math.Max(1, ins.MemoryIndexScale));
        op.Disp = address32 ? ins.MemoryDisplacement32 : ins.MemoryDisplacement32 & 0xFFFF;
    }

    internal static (OperandKind Kind, byte Number) MapRegister(Register r)
    {
        if (r.IsGPR8()) return (OperandKind.Reg8, (byte)(r - Register.AL));
        if (r.IsGPR16()) return (OperandKind.Reg16, (byte)(r - Register.AX));
        if (r.IsGPR32()) return (OperandKind.Reg32, (byte)(r - Register.EAX));
        if (r.IsSegmentRegister()) return (OperandKind.Seg, (byte)(r - Register.ES));
        if (r.IsCR()) return (OperandKind.Control, (byte)(r - Register.CR0));
        if (r.IsDR()) return (OperandKind.Debug, (byte)(r - Register.DR0));
        if (r.IsTR()) return (OperandKind.Test, (byte)(r - Register.TR0));
        return (OperandKind.None, 0);
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
        int declared = ins.Code.ToOpCode().OperandSize;
        if (declared == 32)
            return 4;
        return 2;
    }
}

/// <summary>The byte source Iced decodes from: a fixed buffer filled from guest memory.</summary>
internal sealed class FetchBuffer : CodeReader
{
    public const int Capacity = 16;
    public readonly byte[] Bytes = new byte[Capacity];
    public int Position;

    public override int ReadByte() => Position < Capacity ? Bytes[Position++] : -1;
}
