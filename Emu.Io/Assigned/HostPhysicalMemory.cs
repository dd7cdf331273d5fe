using Emu.Memory;

namespace Emu.Io.Assigned;

/// <summary>
/// The device server's host-physical address space: the guest RAM files of the VMMs it serves, the guest of VF k
/// at (k + 1) × 2 MiB (its slot). Nothing is below 2 MiB, so no guest's memory sits at addresses that are also
/// IOVAs of guest memory: a DMA that reaches another guest went through a translation that pointed there. A VF's DMA reaches it only through its IOMMU domain, which
/// maps that guest's slot alone; an address no attached guest backs is nothing, and reads and writes there fail.
/// </summary>
public sealed unsafe class HostPhysicalMemory
{
    /// <summary>Bytes between two guests' RAM (the first power of two above guest memory).</summary>
    public const ulong SlotStride = 0x20_0000;

    private readonly GuestRamStore?[] _slots;

    public HostPhysicalMemory(int slots) => _slots = new GuestRamStore?[slots];

    /// <summary>The host-physical address where slot <paramref name="slot"/>'s guest memory begins.</summary>
    public static ulong SlotBase(int slot) => (ulong)(slot + 1) * SlotStride;

    public void Attach(int slot, GuestRamStore store) => Volatile.Write(ref _slots[slot], store);

    public void Detach(int slot) => Volatile.Write(ref _slots[slot], null);

    /// <summary>The bytes at [<paramref name="hostPhysical"/>, +<paramref name="length"/>) when one attached guest's
    /// memory holds them all (never its private page past guest memory); an empty span otherwise.</summary>
    public Span<byte> At(ulong hostPhysical, int length)
    {
        ulong slot = hostPhysical / SlotStride - 1, offset = hostPhysical % SlotStride;
        if (hostPhysical < SlotStride || slot >= (ulong)_slots.Length || offset + (ulong)length > GuestMemory.Size || length <= 0)
            return [];
        var store = Volatile.Read(ref _slots[slot]);
        return store is null ? [] : new Span<byte>(store.Pointer + offset, length);
    }
}
