using Emu.Cpu.Execution;

namespace Emu.Cpu.Decoding;

/// <summary>
/// What the 8086 does with byte patterns that later processors (and so Iced) decode differently.
/// The instruction bytes are rewritten to the encoding with the 8086's meaning before Iced sees
/// them, so the rest of the pipeline needs no 8086 special cases. Lengths never change.
/// </summary>
internal static unsafe class I8086Opcodes
{
    private static int OpcodeIndex(byte[] bytes)
    {
        int i = 0;
        while (i < bytes.Length - 2 && FetchBuffer.IsPrefix(bytes[i], CpuModel.I8086))
            i++;
        return i;
    }

    /// <summary>Opcodes Iced cannot express at all for the 8086: 0F is POP CS. The one exception is
    /// the hypercall VMCALL (0F 01 C1), which Emu's VMM claims on every model (docs/HYPERCALLS.md).</summary>
    public static bool TryDecodeSpecial(byte[] bytes, ref DecodedOp op)
    {
        int p = OpcodeIndex(bytes);
        if (bytes[p] != 0x0F)
            return false;
        if (p + 2 < bytes.Length && bytes[p + 1] == 0x01 && bytes[p + 2] == 0xC1)
            return false;
        op.Length = (byte)(p + 1);
        op.Size = 2;
        op.Kind0 = OperandKind.Seg;
        op.Reg0 = Seg.CS;
        op.Code = (ushort)Iced.Intel.Code.Popw_CS;
        op.Execute = &Stack.PopSegment;
        return true;
    }

    /// <summary>
    /// MOV to and from a segment register (8C/8E) as the 8086 and the 186 decode it: only two bits of the
    /// segment number count, so 4-7 are ES, CS, SS, DS again, and MOV CS,r/m is allowed (both became invalid
    /// with the 286; the pcjs.org notes on Intel's 8086 manuals list them). Rewrites the bytes in place;
    /// returns true for MOV CS,r/m, which Iced has no encoding for (decoded as MOV ES, retargeted by the caller).
    /// </summary>
    public static bool RewriteSegmentNumber(byte[] bytes)
    {
        int p = OpcodeIndex(bytes);
        return bytes[p] is 0x8C or 0x8E && RewriteSegmentNumber(bytes[p], ref bytes[p + 1]);
    }

    private static bool RewriteSegmentNumber(byte opcode, ref byte modrm)
    {
        modrm &= 0xDF; // only two bits of the segment number decode
        if (opcode != 0x8E || ((modrm >> 3) & 7) != Seg.CS)
            return false;
        modrm &= 0xC7;
        return true;
    }

    /// <summary>Rewrites the bytes in place. Returns true for MOV CS,r/m (8E /1), which Iced has no
    /// encoding for: it is decoded as MOV ES,r/m and the caller retargets it to CS.</summary>
    public static bool Rewrite(byte[] bytes)
    {
        int p = OpcodeIndex(bytes);
        byte opcode = bytes[p];
        ref byte modrm = ref bytes[p + 1];
        int reg = (modrm >> 3) & 7;
        switch (opcode)
        {
            case >= 0x60 and <= 0x6F:
                bytes[p] = (byte)(opcode + 0x10); // aliases of Jcc 70-7F
                break;
            case 0xC0: bytes[p] = 0xC2; break;    // RET imm16
            case 0xC1: bytes[p] = 0xC3; break;    // RET
            case 0xC8: bytes[p] = 0xCA; break;    // RETF imm16
            case 0xC9: bytes[p] = 0xCB; break;    // RETF
            case 0x8C or 0x8E:
                return RewriteSegmentNumber(opcode, ref modrm);
            case 0x8F or 0xC6 or 0xC7:
                modrm &= 0xC7;                    // POP rm / MOV rm,imm ignore the reg field
                break;
            case 0xF6 or 0xF7 when reg == 1:
                modrm &= 0xC7;                    // /1 is an alias of TEST /0
                break;
            case >= 0xD8 and <= 0xDF:
                bytes[p] = 0xD8;                  // ESC: with no 8087 only the ModRM length matters,
                break;                            // and every D8 form is one Iced decodes
            case 0xFF when reg == 7:
                modrm = (byte)(modrm & 0xF7);     // /7 is an alias of PUSH /6
                break;
        }
        return false;
    }
}
