using System.Numerics;
using System.Runtime.CompilerServices;

namespace Emu.Cpu;

// Flag arithmetic shared by the instruction families. Operands are already masked to the size.
public sealed partial class Processor
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint SizeMask(int size) => size == 4 ? 0xFFFF_FFFF : (1u << (size * 8)) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint SignBit(int size) => 1u << (size * 8 - 1);

    /// <summary>SF, ZF and PF of a result (PF from its low byte), as flag bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint SzpBits(uint result, int size)
    {
        uint f = (BitOperations.PopCount(result & 0xFF) & 1) == 0 ? CpuFlags.PF : 0;
        if ((result & SizeMask(size)) == 0) f |= CpuFlags.ZF;
        if ((result & SignBit(size)) != 0) f |= CpuFlags.SF;
        return f;
    }

    /// <summary>Sets SF, ZF, PF from a result and leaves the other flags alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetSzp(uint result, int size) =>
        FlagsValue = (FlagsValue & ~(CpuFlags.SF | CpuFlags.ZF | CpuFlags.PF)) | SzpBits(result, size);

    /// <summary>a + b + carry with all six status flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint AluAdd(uint a, uint b, uint carry, int size)
    {
        uint mask = SizeMask(size);
        ulong wide = (ulong)a + b + carry;
        uint r = (uint)wide & mask;
        uint f = ControlFlags() | SzpBits(r, size);
        if (wide > mask) f |= CpuFlags.CF;
        if (((a ^ r) & (b ^ r) & SignBit(size)) != 0) f |= CpuFlags.OF;
        if (((a ^ b ^ r) & 0x10) != 0) f |= CpuFlags.AF;
        FlagsValue = f;
        return r;
    }

    /// <summary>a - b - borrow with all six status flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint AluSub(uint a, uint b, uint borrow, int size)
    {
        uint r = (a - b - borrow) & SizeMask(size);
        uint f = ControlFlags() | SzpBits(r, size);
        if ((ulong)a < (ulong)b + borrow) f |= CpuFlags.CF;
        if (((a ^ b) & (a ^ r) & SignBit(size)) != 0) f |= CpuFlags.OF;
        if (((a ^ b ^ r) & 0x10) != 0) f |= CpuFlags.AF;
        FlagsValue = f;
        return r;
    }

    /// <summary>Flags of AND/OR/XOR/TEST: CF = OF = AF = 0, SF ZF PF from the result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint AluLogic(uint r, int size)
    {
        FlagsValue = ControlFlags() | SzpBits(r, size);
        return r;
    }

    /// <summary>Evaluates condition code 0-15 (O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Condition(int cc)
    {
        // JE/JNE after a lazy ALU operation need only its result (the common loop-closing test), JB/JAE
        // only its carry (carry chains of bignum loops).
        if ((cc >> 1) == 2)
            return ZeroFlag() ^ ((cc & 1) != 0);
        if ((cc >> 1) == 1)
            return (CarryFlag() != 0) ^ ((cc & 1) != 0);
        uint f = FlagsValue;
        bool r = (cc >> 1) switch
        {
            0 => (f & CpuFlags.OF) != 0,
            1 => (f & CpuFlags.CF) != 0,
            2 => (f & CpuFlags.ZF) != 0,
            3 => (f & (CpuFlags.CF | CpuFlags.ZF)) != 0,
            4 => (f & CpuFlags.SF) != 0,
            5 => (f & CpuFlags.PF) != 0,
            6 => ((f & CpuFlags.SF) != 0) != ((f & CpuFlags.OF) != 0),
            _ => (f & CpuFlags.ZF) != 0 || ((f & CpuFlags.SF) != 0) != ((f & CpuFlags.OF) != 0),
        };
        return r ^ ((cc & 1) != 0);
    }
}
