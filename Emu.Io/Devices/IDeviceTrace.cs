using Emu.Io.Common;
using Emu.Io.Storage;

namespace Emu.Io.Devices;

/// <summary>Where a traced device's events go: its own (commands, state, IRQ) and its backends' host IO, the
/// latter with the host time the IO took when <see cref="HostTime"/> asks for it.</summary>
public interface IDeviceTrace : IDeviceEventSink
{
    /// <summary>Whether backend IO is timed on the host (the trace's --trace-host-time).</summary>
    bool HostTime { get; }

    /// <summary>An event that took <paramref name="hostTicks"/> of host time (Stopwatch ticks; 0 when not measured).</summary>
    void Note(string device, string what, long hostTicks);
}

/// <summary>A backend's host IO as trace events: the same words for every disk, in the VMM or a device process.</summary>
public sealed class BackendTrace(IDeviceTrace trace, string name) : IBackendObserver
{
    public void OnRead(long offset, int length, BlockStatus status, long hostTicks) =>
        trace.Note(name, $"backend read offset={offset} length={length}{Failure(status)}", hostTicks);

    public void OnWrite(long offset, int length, BlockStatus status, long hostTicks) =>
        trace.Note(name, $"backend write offset={offset} length={length}{Failure(status)}", hostTicks);

    public void OnFlush(BlockStatus status, long hostTicks) =>
        trace.Note(name, $"backend flush{Failure(status)}", hostTicks);

    private static string Failure(BlockStatus status) => status == BlockStatus.Ok ? "" : $": {status}";
}
