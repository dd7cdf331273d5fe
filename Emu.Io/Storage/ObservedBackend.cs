using System.Diagnostics;

namespace Emu.Io.Storage;

/// <summary>Told about every host IO a backend performs (for traces and statistics).
/// <c>hostTicks</c> is the <see cref="Stopwatch"/> time the operation took, or 0 when not measured.</summary>
internal interface IBackendObserver
{
    void OnRead(long offset, int length, BlockStatus status, long hostTicks);
    void OnWrite(long offset, int length, BlockStatus status, long hostTicks);
    void OnFlush(BlockStatus status, long hostTicks);
}

/// <summary>
/// A decorator that reports each backend operation to an observer. With no observer attached it
/// costs one null check per request (never per data word), so the hypervisor can wrap every disk
/// and attach an observer only while tracing. <see cref="MeasureHostTime"/> adds two timestamp
/// reads per request.
/// </summary>
internal sealed class ObservedBackend(IBlockBackend inner, IBackendObserver? observer) : IBlockBackend
{
    public IBlockBackend Inner { get; } = inner;
    public IBackendObserver? Observer { get; set; } = observer;
    /// <summary>Measure how long each host operation takes (--trace-host-time).</summary>
    public bool MeasureHostTime { get; set; }

    public long CapacityBytes => Inner.CapacityBytes;
    public long SectorCount => Inner.SectorCount;
    public bool ReadOnly => Inner.ReadOnly;

    public BlockStatus Read(long offset, Span<byte> destination)
    {
        var observer = Observer;
        if (observer is null)
            return Inner.Read(offset, destination);
        long start = MeasureHostTime ? Stopwatch.GetTimestamp() : 0;
        var status = Inner.Read(offset, destination);
        observer.OnRead(offset, destination.Length, status, Elapsed(start));
        return status;
    }

    public BlockStatus Write(long offset, ReadOnlySpan<byte> source)
    {
        var observer = Observer;
        if (observer is null)
            return Inner.Write(offset, source);
        long start = MeasureHostTime ? Stopwatch.GetTimestamp() : 0;
        var status = Inner.Write(offset, source);
        observer.OnWrite(offset, source.Length, status, Elapsed(start));
        return status;
    }

    public BlockStatus Flush()
    {
        var observer = Observer;
        if (observer is null)
            return Inner.Flush();
        long start = MeasureHostTime ? Stopwatch.GetTimestamp() : 0;
        var status = Inner.Flush();
        observer.OnFlush(status, Elapsed(start));
        return status;
    }

    // At least one tick when measured, so 0 keeps meaning "not measured".
    private long Elapsed(long start) => MeasureHostTime ? Math.Max(1, Stopwatch.GetTimestamp() - start) : 0;

    public void Dispose() => Inner.Dispose();
}
