namespace Emu.Memory;

/// <summary>What backs one 4 KiB page of the guest physical address space.</summary>
public enum PageKind : byte
{
    /// <summary>Ordinary RAM: reads and writes hit the backing array.</summary>
    Ram = 0,
    /// <summary>Read-only memory (firmware): writes from the guest are dropped, as on a PC.</summary>
    Rom = 1,
    /// <summary>A device register window: every access is handed to the <see cref="IMmioHandler"/>.</summary>
    Mmio = 2,
    /// <summary>Nothing decodes the address: reads return all ones, writes are dropped.</summary>
    Unmapped = 3,
    /// <summary>A RAM or ROM page a debugger watches: every CPU access takes the slow path, which tells the
    /// <see cref="IMemoryWatch"/> and then acts as the page's own kind (see GuestMemory.Watch.cs).</summary>
    Watched = 4,
}
