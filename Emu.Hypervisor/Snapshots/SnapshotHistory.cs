namespace Emu.Hypervisor.Snapshots;

/// <summary>
/// The snapshots a debugged run keeps so that it can go back (reverse execution): one every
/// <see cref="Interval"/> retired instructions from the first stop on, at most <see cref="MaxSnapshots"/> (when
/// full, every second one after the first is dropped, so the history still reaches back to its start with wider
/// gaps).
/// </summary>
internal sealed class SnapshotHistory(Emu.Cpu.Processor cpu, Snapshotter snapshots)
{
    public const long Interval = 1_000_000;
    public const int MaxSnapshots = 16;

    private readonly List<MachineSnapshot> _snapshots = [];

    /// <summary>Why the history cannot be kept (a device process holds device state); null while it can.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>The earliest point the machine can go back to; null before the first snapshot.</summary>
    public long? Start => _snapshots.Count > 0 ? _snapshots[0].Retired : null;

    public int Count => _snapshots.Count;

    /// <summary>Takes a snapshot when the last one is <see cref="Interval"/> instructions behind (or there is none).</summary>
    public void Record()
    {
        if (Unavailable is not null || (_snapshots.Count > 0 && cpu.Retired - _snapshots[^1].Retired < Interval))
            return;
        try
        {
            _snapshots.Add(snapshots.Take());
        }
        catch (SnapshotException e)
        {
            Unavailable = e.Message;
            return;
        }
        if (_snapshots.Count > MaxSnapshots)
        {
            for (int i = _snapshots.Count - 2; i >= 1; i -= 2)
                _snapshots.RemoveAt(i);
        }
    }

    /// <summary>The latest snapshot taken before instruction <paramref name="retired"/> ran (at or before it), or null.</summary>
    public MachineSnapshot? AtOrBefore(long retired) => _snapshots.LastOrDefault(s => s.Retired <= retired);

    /// <summary>The machine went back to <paramref name="snapshot"/>: later snapshots describe a future whose disk
    /// bytes the journal no longer holds; the run retakes them as it passes there again.</summary>
    public void RestoredTo(MachineSnapshot snapshot) => _snapshots.RemoveAll(s => s.Retired > snapshot.Retired);
}
