using Emu.Cpu;
using Emu.Hypervisor.Statistics;
using Emu.Io.Timing;

namespace Emu.Hypervisor;

/// <summary>
/// A machine's virtual time: retired instructions times the configured period, plus the time spent halted. The CPU
/// runs in slices that end at the next deadline of a timed device (the PIT, the RTC, a virtio poller), so an interrupt
/// arrives at the same retired instruction on every run.
/// </summary>
internal sealed class VirtualTime
{
    private readonly Processor _cpu;
    private readonly VirtualClock _clock;
    private readonly TimedDeviceSet _timers;
    private readonly long _period;
    private long _idleNs; // virtual time spent halted, skipped over to the next timer deadline
    private long _sliceEndNs = long.MinValue; // when the running CPU slice ends (virtual ns); MinValue between slices

    /// <summary>Becomes the source of <paramref name="clock"/>: devices that read the time (counter reads, the RTC)
    /// get it from the retired-instruction count at that moment; exits that don't read it cost nothing.</summary>
    public VirtualTime(Processor cpu, long nsPerInstruction, VirtualClock clock, TimedDeviceSet timers)
    {
        _cpu = cpu;
        _period = nsPerInstruction;
        _clock = clock;
        _timers = timers;
        clock.Source = () => NowNs;
        clock.DeadlineMoved = EndSliceBeforeNewDeadline;
    }

    public long NowNs => _cpu.Retired * _period + _idleNs;

    /// <summary>The layer accounting, when the run has one: the host time of the timed devices and of idle waits is
    /// charged to it.</summary>
    public GuestLayers? Layers { get; set; }

    /// <summary>The next deadline of a timed device; long.MaxValue when none will act.</summary>
    public long NextDeadlineNs => _timers.NextDeadlineNs;

    /// <summary>How many instructions the next slice runs: at most <paramref name="max"/>, and no further than the next
    /// timer deadline (at least one instruction when <paramref name="max"/> allows any).</summary>
    public long SliceLength(long max)
    {
        long deadline = _timers.NextDeadlineNs;
        if (deadline == long.MaxValue)
            return max;
        long untilDeadline = (deadline - NowNs + _period - 1) / _period;
        return Math.Min(max, Math.Max(1, untilDeadline));
    }

    /// <summary>A slice of <paramref name="instructions"/> starts: a deadline that moves before its end ends it.</summary>
    public void BeginSlice(long instructions) => _sliceEndNs = NowNs + instructions * _period;

    /// <summary>The slice ended: the clock and the timed devices catch up with it.</summary>
    public void EndSlice()
    {
        _sliceEndNs = long.MinValue;
        Sync();
    }

    /// <summary>The guest halted until the next deadline, <paramref name="ns"/> away, while the host waited
    /// <paramref name="hostTicks"/> (none when it did not wait).</summary>
    public void Idle(long ns, long hostTicks)
    {
        _idleNs += ns;
        if (Layers is { } layers)
            layers.IdleTicks += hostTicks;
    }

    /// <summary>Brings the clock and the timed devices up to the current virtual time (their host time charged to the
    /// devices when the layer accounting times exits).</summary>
    public void Sync()
    {
        _clock.NowNs = NowNs;
        if (Layers is { TimesExits: true } layers)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            _timers.AdvanceTo(_clock.NowNs);
            long ticks = System.Diagnostics.Stopwatch.GetTimestamp() - start;
            layers.DeviceTicks += ticks;
            layers.TimedDeviceTicks += ticks;
            return;
        }
        _timers.AdvanceTo(_clock.NowNs);
    }

    // A device was reprogrammed while a slice ran (VirtualClock.DeadlineMoved). When its new deadline comes before the
    // slice's end, the slice ends at the next instruction boundary and the run loop sizes the next one from it: a
    // guest that sets a fast timer gets its first tick when it is due, not when the old deadline was.
    private void EndSliceBeforeNewDeadline()
    {
        if (_timers.NextDeadlineNs < _sliceEndNs)
            _cpu.EndSlice();
    }
}
