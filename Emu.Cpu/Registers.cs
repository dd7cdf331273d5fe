using System.Runtime.CompilerServices;

namespace Emu.Cpu;

/// <summary>General-purpose register numbers as x86 encodes them (and as <see cref="Processor.Regs"/> stores them).</summary>
public static class Reg
{
    public const int AX = 0, CX = 1, DX = 2, BX = 3, SP = 4, BP = 5, SI = 6, DI = 7;
    /// <summary>An always-zero slot used for "no base" / "no index" in address arithmetic.</summary>
    public const int None = 8;
}

/// <summary>Segment register numbers as x86 encodes them.</summary>
public static class Seg
{
    public const int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    public static readonly string[] Names = ["es", "cs", "ss", "ds", "fs", "gs"];
}

/// <summary>The general registers as <see cref="Processor.Regs"/> holds them: eight, then the always-zero <see cref="Reg.None"/>.</summary>
[InlineArray(9)]
internal struct GeneralRegisters
{
    private uint _element0;
}

/// <summary>ES, CS, SS, DS, FS, GS.</summary>
[InlineArray(6)]
internal struct SegmentSelectors
{
    private ushort _element0;
}

/// <summary>The bases of ES, CS, SS, DS, FS, GS (real mode: the selector times 16).</summary>
[InlineArray(6)]
internal struct SegmentBases
{
    private uint _element0;
}
