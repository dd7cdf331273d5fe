using Emu.Memory;

namespace Emu.Hypervisor.Loader;

/// <summary>A real-mode SEG:OFF address as the command line writes it (e.g. 0000:7C00).</summary>
public readonly record struct SegmentedAddress(ushort Segment, ushort Offset)
{
    public static readonly SegmentedAddress BootSector = new(0x0000, 0x7C00);

    public uint Physical => ((uint)Segment << 4) + Offset;

    public static bool TryParse(string? text, out SegmentedAddress address)
    {
        address = default;
        if (text is null)
            return false;
        var parts = text.Split(':');
        if (parts.Length != 2
            || !ushort.TryParse(parts[0], System.Globalization.NumberStyles.HexNumber, null, out ushort seg)
            || !ushort.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out ushort off))
            return false;
        address = new SegmentedAddress(seg, off);
        return true;
    }

    public override string ToString() => $"{Segment:X4}:{Offset:X4}";
}

/// <summary>Loads a flat binary (a .COM-like program or a boot sector) into guest RAM.</summary>
public static class FlatBinaryLoader
{
    /// <summary>Copies the program to the address; throws <see cref="InvalidDataException"/> with a
    /// one-line reason when it is empty or would run past 1 MiB.</summary>
    public static void Load(GuestMemory memory, ReadOnlySpan<byte> program, SegmentedAddress at)
    {
        if (program.Length == 0)
            throw new InvalidDataException("the program is empty");
        uint start = at.Physical;
        if (start + (uint)program.Length > GuestMemory.OneMiB)
            throw new InvalidDataException($"a program of {program.Length} bytes does not fit in memory at {at} (it would end past 1 MiB)");
        memory.Load(start, program);
    }
}
