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
}
