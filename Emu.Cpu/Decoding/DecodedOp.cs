using System.Runtime.InteropServices;

namespace Emu.Cpu.Decoding;

/// <summary>Where an operand of a decoded instruction lives.</summary>
public enum OperandKind : byte
{
    None,
    /// <summary>AL, CL, DL, BL, AH, CH, DH, BH (numbers 0-7).</summary>
    Reg8,
    Reg16,
    Reg32,
    /// <summary>A segment register (ES, CS, SS, DS, FS, GS).</summary>
    Seg,
    /// <summary>The memory operand described by Seg/Base/Index/Scale/Disp; its width is MemSize.</summary>
    Mem,
    /// <summary>The immediate in <see cref="DecodedOp.Imm"/> (for a second immediate, <see cref="DecodedOp.Imm2"/>).</summary>
    Imm,
    /// <summary>A control register CRn (386).</summary>
    Control,
    /// <summary>A debug register DRn (386).</summary>
    Debug,
    /// <summary>A test register TRn (386).</summary>
    Test,
}

/// <summary>Prefix bits kept with a decoded instruction.</summary>
[Flags]
public enum PrefixFlags : byte
{
    None = 0,
    Rep = 1,      // F3: REP / REPE
    Repne = 2,    // F2: REPNE (plain REP for instructions that ignore Z)
    Lock = 4,
    SegOverride = 8,
}

/// <summary>
/// One instruction decoded once by Iced and resolved into what the interpreter needs: the handler
/// to call and operands as register numbers, an address recipe and immediates. Cached per physical
/// address, so executing it again costs no decoding.
/// </summary>
// 64 bytes: the run loop indexes the pool by slot on its critical path, and a power-of-two stride
// makes that a shift instead of a multiply.
[StructLayout(LayoutKind.Sequential, Size = 64)]
public unsafe struct DecodedOp
{
    /// <summary>The semantic handler; resolved at decode time so dispatch is one indirect call.</summary>
    public delegate*<Processor, ref DecodedOp, void> Execute;
    /// <summary>Immediate (sign- or zero-extended as the instruction defines), near-branch displacement
    /// from the next instruction, or port.</summary>
    public uint Imm;
    /// <summary>A second immediate: far pointer selector, ENTER nesting level, shift count of SHLD/SHRD.</summary>
    public uint Imm2;
    /// <summary>Memory displacement (already masked to the address size).</summary>
    public uint Disp;
    /// <summary>Physical address of the first byte, for cache bookkeeping and traces;
    /// <see cref="DecodeCache.Dropped"/> once the entry no longer describes memory.</summary>
    public uint Address;
    /// <summary>Pool slot of the instruction that ran after this one last time (0: none yet). The
    /// run loop tries it first and uses it only if its <see cref="Address"/> is where CS:IP now points,
    /// so a stale link costs a normal lookup and never runs the wrong instruction.</summary>
    public int Next;
    /// <summary>True while the next pool slot holds the instruction that follows this one in memory, so
    /// that the two belong to one block: the run loop goes on to that slot without a lookup when control
    /// falls through (see <see cref="Processor.Run"/>). Cleared when either entry is dropped.</summary>
    public bool Fallthrough;
    /// <summary>Iced's <c>Code</c> value, for disassembly and statistics.</summary>
    public ushort Code;
    public byte Length;
    /// <summary>Operand size in bytes (1, 2 or 4).</summary>
    public byte Size;
    /// <summary>Width in bytes of the memory operand, when there is one.</summary>
    public byte MemSize;
    public OperandKind Kind0, Kind1, Kind2;
    public byte Reg0, Reg1, Reg2;
    /// <summary>Segment of the memory operand after any override (for string instructions: of the source).</summary>
    public byte Seg;
    /// <summary>Address recipe: (Base + (Index &lt;&lt; Scale) + Disp) masked to 16 or 32 bits; Reg.None = absent.</summary>
    public byte Base, Index, Scale;
    public bool Address32;
    /// <summary>Handler-specific selector: ALU operation, condition code, shift kind, ...</summary>
    public byte Sub;
    public PrefixFlags Prefixes;
    /// <summary>The compiled block that starts at this instruction (Compilation/BlockCompiler.cs), or 0.</summary>
    public int Block;
    /// <summary>How many times the run loop has started a block here: at the compiler's threshold it is compiled.</summary>
    public int Entries;
}
