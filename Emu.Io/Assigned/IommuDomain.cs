namespace Emu.Io.Assigned;

/// <summary>
/// One VF's IOMMU domain: the translation from the addresses the VF's DMA uses (IOVAs: the guest's physical
/// addresses, as the VMM maps them) to the device server's host-physical address space, with read and write
/// permission per 4 KiB page, in a two-level table over the 32-bit IOVA space as VT-d's second-level tables.
/// Only the VMM programs it (<see cref="Map"/>); every DMA of the VF goes through <see cref="Translate"/>, and an IOVA
/// with no entry, or without the permission the direction needs, is a fault: nothing is read or written.
/// </summary>
public sealed class IommuDomain
{
    public const int PageShift = 12;
    public const uint PageSize = 1u << PageShift;
    private const int TableBits = 10;
    private const uint TableMask = (1u << TableBits) - 1;
    private const uint EntryRead = 1, EntryWrite = 2;

    // Directory of 1,024 tables of 1,024 entries; an entry is the host-physical frame << 12 | permissions (0: none).
    private readonly uint[]?[] _directory = new uint[1 << TableBits][];

    /// <summary>Pages mapped now.</summary>
    public int MappedPages { get; private set; }

    /// <summary>Maps [<paramref name="iova"/>, +<paramref name="length"/>) to host-physical
    /// [<paramref name="hostPhysical"/>, ...) with the given permissions; all three page aligned.</summary>
    public void Map(uint iova, ulong hostPhysical, uint length, IommuAccess access)
    {
        if ((iova | hostPhysical | length) % PageSize != 0 || (ulong)iova + length > 1UL << 32 || hostPhysical + length > 1UL << 32)
            throw new ArgumentException($"IOMMU mapping {iova:X}+{length:X} → {hostPhysical:X} is not whole pages inside 4 GiB");
        for (uint offset = 0; offset < length; offset += PageSize)
        {
            uint page = (iova + offset) >> PageShift;
            var table = _directory[page >> TableBits] ??= new uint[1 << TableBits];
            ref uint entry = ref table[page & TableMask];
            if (entry == 0)
                MappedPages++;
            entry = (uint)(hostPhysical + offset) | (uint)access;
        }
    }

    /// <summary>Removes every mapping (the VF was detached or its VMM went away).</summary>
    public void Clear()
    {
        Array.Clear(_directory);
        MappedPages = 0;
    }

    /// <summary>The host-physical address of <paramref name="iova"/> when its page is mapped with the permission
    /// <paramref name="write"/> needs; false (a fault) otherwise.</summary>
    public bool Translate(ulong iova, bool write, out ulong hostPhysical)
    {
        hostPhysical = 0;
        if (iova >> 32 != 0)
            return false;
        uint page = (uint)iova >> PageShift;
        uint entry = _directory[page >> TableBits]?[page & TableMask] ?? 0;
        if ((entry & (write ? EntryWrite : EntryRead)) == 0)
            return false;
        hostPhysical = (entry & ~(PageSize - 1)) | ((uint)iova & (PageSize - 1));
        return true;
    }
}

/// <summary>What a mapping allows the device to do (IommuMap's access field).</summary>
[Flags]
public enum IommuAccess : byte
{
    None = 0,
    /// <summary>The device may read (descriptors, data it writes to the disk).</summary>
    Read = 1,
    /// <summary>The device may write (completions, data it read from the disk).</summary>
    Write = 2,
    ReadWrite = Read | Write,
}
