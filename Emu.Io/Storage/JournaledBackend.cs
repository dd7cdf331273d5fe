namespace Emu.Io.Storage;

/// <summary>A backend whose writes are recorded in a <see cref="DiskJournal"/> (while it records) before they
/// reach <see cref="Inner"/>.</summary>
public sealed class JournaledBackend(IBlockBackend inner, DiskJournal journal) : IBlockBackend
{
    public IBlockBackend Inner { get; } = inner;
    public long CapacityBytes => Inner.CapacityBytes;
    public long SectorCount => Inner.SectorCount;
    public bool ReadOnly => Inner.ReadOnly;

    public BlockStatus Read(long offset, Span<byte> destination) => Inner.Read(offset, destination);

    public BlockStatus Write(long offset, ReadOnlySpan<byte> source)
    {
        if (journal.Recording && !Inner.ReadOnly && BlockRange.Fits(offset, source.Length, Inner.SectorCount))
            journal.Record(Inner, offset, source.Length);
        return Inner.Write(offset, source);
    }

    public BlockStatus Flush() => Inner.Flush();

    public void Dispose() => Inner.Dispose();
}
