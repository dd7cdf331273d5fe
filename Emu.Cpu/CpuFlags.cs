namespace Emu.Cpu;

/// <summary>FLAGS register bits.</summary>
public static class CpuFlags
{
    public const uint CF = 1u << 0;
    public const uint Reserved1 = 1u << 1;
    public const uint PF = 1u << 2;
    public const uint AF = 1u << 4;
    public const uint ZF = 1u << 6;
    public const uint SF = 1u << 7;
    public const uint TF = 1u << 8;
    public const uint IF = 1u << 9;
    public const uint DF = 1u << 10;
    public const uint OF = 1u << 11;
    public const uint Iopl = 3u << 12;
    public const uint NT = 1u << 14;

    /// <summary>The six status flags arithmetic instructions write.</summary>
    public const uint Status = CF | PF | AF | ZF | SF | OF;
}
