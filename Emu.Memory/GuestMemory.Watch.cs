namespace Emu.Memory;

// Watched pages, for a debugger's watchpoints. A watched page's kind in the page map is Watched, which every
// fast path treats as "not plain RAM": the CPU's accesses to it take the slow path, are reported to the
// IMemoryWatch byte by byte and then behave as the page's own kind (kept in _watchedKinds). Pages nobody
// watches cost nothing more than before; devices' DMA and the debugger's own reads and writes are not reported.
public sealed unsafe partial class GuestMemory
{
    private PageKind[]? _watchedKinds; // the kind under each watched page; null until something is watched

    /// <summary>Receives the accesses to watched pages.</summary>
    public IMemoryWatch? Watch { get; set; }

    /// <summary>Watches (or stops watching) the page holding <paramref name="physicalAddress"/>. Only RAM and ROM
    /// pages can be watched: false for MMIO and unmapped pages (a device sees those accesses already).</summary>
    public bool SetWatched(uint physicalAddress, bool watched)
    {
        int page = (int)((physicalAddress & A20OnMask) >> PageShift);
        PageKind kind = KindOf(physicalAddress);
        if (kind > PageKind.Rom)
            return false;
        if (watched)
        {
            _watchedKinds ??= new PageKind[_pages.Length];
            _watchedKinds[page] = kind;
            _pages[page] = PageKind.Watched;
        }
        else
        {
            _pages[page] = kind;
        }
        return true;
    }

    private byte WatchedRead(uint a)
    {
        Watch?.Accessed(a, isWrite: false);
        return _base[a]; // RAM or ROM
    }

    private void WatchedWrite(uint a, byte value)
    {
        if (_watchedKinds![a >> PageShift] == PageKind.Ram)
        {
            _base[a] = value;
            if (_codeMap[a] != 0)
                CodeWriteObserver?.CodeWritten(a);
        }
        Watch?.Accessed(a, isWrite: true);
    }
}
