namespace Emu.Io.Storage;

/// <summary>Told about every host IO a backend performs (for traces and statistics).</summary>
public interface IBackendObserver
{
    void OnRead(long offset, int length, BlockStatus status);
    void OnWrite(long offset, int length, BlockStatus status);
    void OnFlush(BlockStatus status);
}

/// <summary>
/// A decorator that reports each backend operation to an observer. The hypervisor wraps a backend in
/// one only when tracing is on, so an untraced disk pays nothing; while wrapped, the observer can also
/// be detached (set to null) at the cost of one null check per request, not per data word.
/// </summary>
public sealed class ObservedBackend(IBlockBackend inner, IBackendObserver? observer) : IBlockBackend
{
    public IBlockBackend Inner { get; } = inner;
    public IBackendObserver? Observer { get; set; } = observer;

    public long CapacityBytes => Inner.CapacityBytes;
    public long SectorCount => Inner.SectorCount;
    public bool ReadOnly => Inner.ReadOnly;

    public BlockStatus Read(long offset, Span<byte> destination)
    {
        var status = Inner.Read(offset, destination);
        Observer?.OnRead(offset, destination.Length, status);
        return status;
    }

    public BlockStatus Write(long offset, ReadOnlySpan<byte> source)
    {
        var status = Inner.Write(offset, source);
        Observer?.OnWrite(offset, source.Length, status);
        return status;
    }

    public BlockStatus Flush()
    {
        var status = Inner.Flush();
        Observer?.OnFlush(status);
        return status;
    }

    public void Dispose() => Inner.Dispose();
}
