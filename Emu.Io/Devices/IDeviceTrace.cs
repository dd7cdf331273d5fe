using Emu.Io.Common;
using Emu.Io.Storage;

namespace Emu.Io.Devices;

/// <summary>Where an observed device's events go: its own (commands, state, IRQ) when <see cref="Events"/> wants them,
/// and its backends' host IO, with the host time the IO took when <see cref="HostTime"/> asks for it.</summary>
public interface IDeviceTrace : IDeviceEventSink
{
    /// <summary>Whether the device's own events are wanted (a trace); else only its backends' host IO is observed
    /// (an accounting of host time), and the device builds no event text.</summary>
    bool Events => true;

    /// <summary>Whether backend IO is timed on the host (the trace's --trace-host-time, or an accounting).</summary>
    bool HostTime { get; }

    /// <summary>An event that took <paramref name="hostTicks"/> of host time (Stopwatch ticks; 0 when not measured).</summary>
    void Note(string device, string what, long hostTicks);

    /// <summary>A backend's host IO (read, write, flush) that took <paramref name="hostTicks"/>.</summary>
    void BackendIo(string backend, string what, long hostTicks) => Note(backend, what, hostTicks);
}

/// <summary>A backend's host IO as trace events: the same words for every disk, in the VMM or a device process.</summary>
internal sealed class BackendTrace(IDeviceTrace trace, string name) : IBackendObserver
{
    public void OnRead(long offset, int length, BlockStatus status, long hostTicks) =>
        trace.BackendIo(name, $"backend read offset={offset} length={length}{Failure(status)}", hostTicks);

    public void OnWrite(long offset, int length, BlockStatus status, long hostTicks) =>
        trace.BackendIo(name, $"backend write offset={offset} length={length}{Failure(status)}", hostTicks);

    public void OnFlush(BlockStatus status, long hostTicks) =>
        trace.BackendIo(name, $"backend flush{Failure(status)}", hostTicks);

    private static string Failure(BlockStatus status) => status == BlockStatus.Ok ? "" : $": {status}";
}
