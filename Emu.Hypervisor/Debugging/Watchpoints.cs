using Emu.Memory;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// Data watchpoints (gdb's watch, rwatch, awatch) over linear address ranges. The pages they cover are marked
/// watched in guest memory, so only the CPU's accesses to those pages pay for the check; the first access that
/// matches asks the CPU to stop after the instruction, as an x86 data breakpoint traps after it.
/// </summary>
public sealed class Watchpoints(GuestMemory memory, Emu.Cpu.Processor cpu) : IMemoryWatch
{
    private readonly record struct Watch(uint Start, uint Length, WatchKind Kind)
    {
        public bool Covers(uint physical) => physical - Start < Length;
    }

    private readonly List<Watch> _watches = [];

    /// <summary>The stop the last matching access made; taken by the machine when the instruction is done.</summary>
    internal DebugStop? Hit { get; set; }

    public bool Any => _watches.Count > 0;

    /// <summary>Watches [linear, linear+length) for <paramref name="kind"/> accesses; false when part of it is
    /// not RAM or ROM (device registers cannot be watched: use a break-exit for those).</summary>
    public bool Add(uint linear, uint length, WatchKind kind)
    {
        uint start = Physical(linear);
        if (length == 0 || length > 0x1_0000)
            return false;
        for (uint page = start >> GuestMemory.PageShift; page <= (start + length - 1) >> GuestMemory.PageShift; page++)
        {
            if (memory.KindOf(page << GuestMemory.PageShift) > PageKind.Rom)
                return false;
        }
        _watches.Add(new Watch(start, length, kind));
        memory.Watch = this;
        MarkPages(start, length);
        return true;
    }

    public bool Remove(uint linear, uint length, WatchKind kind)
    {
        int index = _watches.IndexOf(new Watch(Physical(linear), length, kind));
        if (index < 0)
            return false;
        var removed = _watches[index];
        _watches.RemoveAt(index);
        MarkPages(removed.Start, removed.Length);
        return true;
    }

    public void Clear()
    {
        var all = _watches.ToList();
        _watches.Clear();
        foreach (var w in all)
            MarkPages(w.Start, w.Length);
    }

    /// <summary>Marks the pages of every watch watched in guest memory, or unmarks them all (around a snapshot,
    /// whose page map holds no watched pages).</summary>
    internal void MarkPages(bool watched)
    {
        foreach (var w in _watches)
        {
            if (watched)
                MarkPages(w.Start, w.Length);
            else
                UnmarkPages(w.Start, w.Length);
        }
    }

    private void UnmarkPages(uint start, uint length)
    {
        for (uint page = start >> GuestMemory.PageShift; page <= (start + length - 1) >> GuestMemory.PageShift; page++)
            memory.SetWatched(page << GuestMemory.PageShift, false);
    }

    // Each page of the range is watched while any watch still touches it.
    private void MarkPages(uint start, uint length)
    {
        for (uint page = start >> GuestMemory.PageShift; page <= (start + length - 1) >> GuestMemory.PageShift; page++)
        {
            uint first = page << GuestMemory.PageShift;
            bool watched = _watches.Any(w => w.Start <= first + GuestMemory.PageSize - 1 && first <= w.Start + w.Length - 1);
            memory.SetWatched(first, watched);
        }
    }

    private uint Physical(uint linear) => linear & memory.AddressMask;

    public void Accessed(uint physicalAddress, bool isWrite)
    {
        if (Hit is not null)
            return; // the first match of the instruction is the one reported
        foreach (var w in _watches)
        {
            if (!w.Covers(physicalAddress) || (w.Kind == WatchKind.Write && !isWrite) || (w.Kind == WatchKind.Read && isWrite))
                continue;
            string access = isWrite ? "write" : "read";
            Hit = new DebugStop(DebugStopKind.Watchpoint, $"{access} of {physicalAddress:X5} (watching {w.Start:X5}+{w.Length})")
            {
                Watch = w.Kind,
                WatchAddress = physicalAddress,
            };
            cpu.RequestStop();
            return;
        }
    }
}
