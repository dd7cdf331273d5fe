using System.Runtime.CompilerServices;

namespace Emu.Cpu.Execution;

/// <summary>
/// An operand width as a type, so that handlers written once as generic methods over it are
/// compiled by the JIT into one copy per width with the size, masks and register accessors folded
/// to constants (the specialised handlers in <see cref="Specialized"/>).
/// </summary>
internal interface IWidth
{
    static abstract int Size { get; }
    static abstract uint Mask { get; }
    static abstract uint Get(Processor c, int reg);
    static abstract void Set(Processor c, int reg, uint value);
    static abstract uint Read(Processor c, int seg, uint offset);
    static abstract void Write(Processor c, int seg, uint offset, uint value);
    /// <summary>The 32-bit register that holds register <paramref name="reg"/> of this width (AH: AX's).</summary>
    static abstract int Slot(int reg);
    /// <summary>Register <paramref name="reg"/> read from its slot's value (compiled blocks keep slots in locals).</summary>
    static abstract uint GetIn(uint slot, int reg);
    /// <summary>Register <paramref name="reg"/> written into its slot, the slot's other bits kept.</summary>
    static abstract void SetIn(ref uint slot, int reg, uint value);
}

/// <summary>Byte operands; registers numbered AL CL DL BL AH CH DH BH.</summary>
internal readonly struct W8 : IWidth
{
    public static int Size => 1;
    public static uint Mask => 0xFF;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Get(Processor c, int reg) => c.GetReg8(reg);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Set(Processor c, int reg, uint value) => c.SetReg8(reg, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Read(Processor c, int seg, uint offset) => c.ReadMem8(seg, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Write(Processor c, int seg, uint offset, uint value) => c.WriteMem8(seg, offset, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Slot(int reg) => reg & 3;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint GetIn(uint slot, int reg) => reg < 4 ? slot & 0xFF : (slot >> 8) & 0xFF;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetIn(ref uint slot, int reg, uint value) =>
        slot = reg < 4 ? (slot & 0xFFFF_FF00) | (value & 0xFF) : (slot & 0xFFFF_00FF) | ((value & 0xFF) << 8);
}

internal readonly struct W16 : IWidth
{
    public static int Size => 2;
    public static uint Mask => 0xFFFF;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Get(Processor c, int reg) => c.Regs[reg] & 0xFFFF;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Set(Processor c, int reg, uint value) => c.SetReg16(reg, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Read(Processor c, int seg, uint offset) => c.ReadMem16(seg, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Write(Processor c, int seg, uint offset, uint value) => c.WriteMem16(seg, offset, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Slot(int reg) => reg;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint GetIn(uint slot, int reg) => slot & 0xFFFF;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void SetIn(ref uint slot, int reg, uint value) => slot = (slot & 0xFFFF_0000) | (value & 0xFFFF);
}

internal readonly struct W32 : IWidth
{
    public static int Size => 4;
    public static uint Mask => 0xFFFF_FFFF;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Get(Processor c, int reg) => c.Regs[reg];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Set(Processor c, int reg, uint value) => c.Regs[reg] = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Read(Processor c, int seg, uint offset) => c.ReadMem32(seg, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Write(Processor c, int seg, uint offset, uint value) => c.WriteMem32(seg, offset, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Slot(int reg) => reg;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint GetIn(uint slot, int reg) => slot;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void SetIn(ref uint slot, int reg, uint value) => slot = value;
}
