namespace Emu.Io.Storage;

/// <summary>
/// The bytes guest writes replaced on a machine's disks, in the order the writes came, so that a snapshot of the
/// machine can put its disks back as they were when it was taken: a snapshot notes the journal's
/// <see cref="Position"/>, and <see cref="RewindTo"/> writes the older bytes back, newest first.
/// </summary>
/// <remarks>
/// Records nothing until the first snapshot (<see cref="StartRecording"/>), so a machine nobody snapshots pays one
/// test per disk write. Its memory is the bytes overwritten since the oldest snapshot still kept: the owner drops
/// what it no longer needs with <see cref="Forget"/>.
/// </remarks>
public sealed class DiskJournal
{
    private readonly List<Entry> _entries = [];
    private long _first; // the position of _entries[0]

    // A class: CoreLib's precompiled List code serves it, where a List of a struct is JIT-compiled at every start.
    private sealed record Entry(IBlockBackend Disk, long Offset, byte[] Before);

    /// <summary>Whether writes are being recorded (a snapshot exists).</summary>
    public bool Recording { get; private set; }

    /// <summary>How many writes have been recorded since the journal was made; a snapshot keeps this number.</summary>
    public long Position => _first + _entries.Count;

    /// <summary>Bytes of older disk contents held.</summary>
    public long Bytes { get; private set; }

    /// <summary>Records every write from now on; returns the current position.</summary>
    public long StartRecording()
    {
        Recording = true;
        return Position;
    }

    /// <summary>Called before a write of <paramref name="length"/> bytes at <paramref name="offset"/> to
    /// <paramref name="disk"/> (the backend under the journal) that the backend will accept.</summary>
    internal void Record(IBlockBackend disk, long offset, int length)
    {
        var before = new byte[BlockRange.InImage(offset, length, disk.CapacityBytes)];
        if (before.Length == 0 || disk.Read(offset, before) != BlockStatus.Ok)
            return; // nothing in the image changes, or the write will fail as this read did
        _entries.Add(new Entry(disk, offset, before));
        Bytes += before.Length;
    }

    /// <summary>Puts back every byte written since <paramref name="position"/>, newest first; the journal is
    /// at <paramref name="position"/> again.</summary>
    public void RewindTo(long position)
    {
        if (position < _first || position > Position)
            throw new ArgumentOutOfRangeException(nameof(position), $"the journal holds positions {_first}..{Position}, not {position}");
        for (int i = _entries.Count - 1; i >= position - _first; i--)
        {
            var e = _entries[i];
            e.Disk.Write(e.Offset, e.Before);
            Bytes -= e.Before.Length;
        }
        _entries.RemoveRange((int)(position - _first), (int)(Position - position));
    }

    /// <summary>Drops what only a rewind to before <paramref name="position"/> would need.</summary>
    public void Forget(long position)
    {
        int count = (int)Math.Clamp(position - _first, 0, _entries.Count);
        for (int i = 0; i < count; i++)
            Bytes -= _entries[i].Before.Length;
        _entries.RemoveRange(0, count);
        _first += count;
    }
}
