using System.Diagnostics;

namespace Emu.Hypervisor;

/// <summary>
/// The host's side of a halted guest: virtual time always moves to the next timer deadline at once, so the guest sees
/// the same run either way; when the configuration says so (<see cref="IdleWait"/>), the host also waits that long in
/// real time, adding up waits too short for its timers and carrying over what it overslept.
/// </summary>
internal sealed class IdleSleep
{
    /// <summary>Idle time shorter than this is not slept at once but added up: the host's timers cannot sleep a
    /// few microseconds, and a guest with a fast timer halts thousands of times a second.</summary>
    private const long MinSleepNs = 1_000_000;
    /// <summary>The most oversleeping carried over (a stalled or suspended host): a guest never races for
    /// longer than this to catch up with real time.</summary>
    private const long MaxOversleptNs = 100_000_000;
    /// <summary>The longest single sleep while a host acts between slices (the live console): keys typed and
    /// the screen drawn while the guest waits are not held up by a long wait (an RTC alarm, a slow timer).</summary>
    private const int HostPollMs = 10;

    private long _unsleptNs; // halted virtual time not yet slept (negative: slept too long already)

    /// <summary>Waits <paramref name="idleNs"/> of real time (added up until it reaches <see cref="MinSleepNs"/>),
    /// cut short by Ctrl-C (the run's cancellation) and by --timeout: the run loop ends the run right after. With a
    /// host polled between slices, no more than <see cref="HostPollMs"/> at once; the rest is slept at the next halt.
    /// Returns the host ticks it slept.</summary>
    public long Sleep(long idleNs, RunLimits limits, Stopwatch wallClock)
    {
        _unsleptNs += idleNs;
        if (_unsleptNs < MinSleepNs)
            return 0;
        long waitNs = _unsleptNs;
        if (limits.Timeout is TimeSpan timeout)
            waitNs = Math.Min(waitNs, (timeout - wallClock.Elapsed).Ticks * (1_000_000 / TimeSpan.TicksPerMillisecond));
        // Whole milliseconds, rounded up: rounded down, the last millisecond before --timeout would be no wait at
        // all, and the guest would race through idle time until the run loop saw the timeout.
        int ms = (int)Math.Clamp((waitNs + 999_999) / 1_000_000, 0, limits.Host is null ? int.MaxValue : HostPollMs);
        long start = Stopwatch.GetTimestamp();
        limits.Cancellation.WaitHandle.WaitOne(ms);
        long ticks = Stopwatch.GetTimestamp() - start;
        long sleptNs = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds * 1000;
        _unsleptNs = Math.Max(_unsleptNs - sleptNs, -MaxOversleptNs);
        return ticks;
    }
}
