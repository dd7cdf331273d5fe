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
    /// one-line reason when it is empty or does not fit in RAM there (see <see cref="CheckFits"/>).</summary>
    public static void Load(GuestMemory memory, ReadOnlySpan<byte> program, SegmentedAddress at)
    {
        CheckFits(memory, program.Length, at);
        memory.Load(at.Physical, program);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> unless a program of <paramref name="length"/> bytes at
    /// <paramref name="at"/> lies wholly in RAM: loaded above the top of conventional memory (a small --memory),
    /// into ROM or past 1 MiB, its bytes would be dropped and the CPU would run whatever reads back there.</summary>
    public static void CheckFits(GuestMemory memory, int length, SegmentedAddress at)
    {
        if (length == 0)
            throw new InvalidDataException("the program is empty");
        uint start = at.Physical;
        ulong end = start + (ulong)length; // exclusive
        // The HMA above 1 MiB is RAM too, but a real-mode program there runs only with A20 on: refuse it.
        if (end <= GuestMemory.OneMiB && memory.IsRamRange(start, length))
            return;
        ulong bad = start;
        while (bad < GuestMemory.OneMiB && memory.KindOf((uint)bad) == PageKind.Ram)
            bad = (bad | (GuestMemory.PageSize - 1)) + 1;
        uint ramTop = 0;
        while (ramTop < GuestMemory.OneMiB && memory.KindOf(ramTop) == PageKind.Ram)
            ramTop += GuestMemory.PageSize;
        string what = bad >= GuestMemory.OneMiB ? "past 1 MiB"
            : memory.KindOf((uint)bad) switch
            {
                PageKind.Rom => "ROM (the firmware's, at F0000 and up; --no-firmware runs without it)",
                PageKind.Mmio => "a device's MMIO window",
                _ => $"above the top of RAM ({ramTop:X5}: {ramTop / 1024} KiB, --memory)",
            };
        throw new InvalidDataException($"a program of {length:N0} bytes does not fit in memory at {at}: it would occupy "
            + $"{start:X5}-{end - 1:X5}, and {Math.Max(bad, start):X5} is {what}");
    }
}
