namespace Emu.Io.Timing;

/// <summary>
/// The machine's virtual time in nanoseconds. Devices never look at the host clock: the hypervisor
/// sets <see cref="NowNs"/> from the retired-instruction count before it lets a timed device fire,
/// and gives the clock a <see cref="Source"/> that reads the CPU's count when a device asks, so
/// the same run gives the same timings byte for byte and exits that don't read time pay nothing.
/// </summary>
public sealed class VirtualClock
{
    private long _nowNs;

    /// <summary>Where the current time comes from between explicit updates (the hypervisor's
    /// retired-instruction count); null means only <see cref="NowNs"/> writes move the clock.</summary>
    public Func<long>? Source { get; set; }

    /// <summary>Current virtual time. Time never runs backwards: an earlier value is ignored.</summary>
    public long NowNs
    {
        get
        {
            if (Source is { } source)
            {
                long now = source();
                if (now > _nowNs)
                    _nowNs = now;
            }
            return _nowNs;
        }
        set
        {
            if (value > _nowNs)
                _nowNs = value;
        }
    }

    /// <summary>
    /// Told when a device's deadline may have moved earlier: the guest reprogrammed it (a PIT count, an RTC
    /// rate or interrupt enable) in the middle of a CPU slice the hypervisor sized from the old deadline.
    /// The hypervisor ends that slice at the next instruction boundary; null (no hypervisor) does nothing.
    /// </summary>
    public Action? DeadlineMoved { get; set; }

    /// <summary>Called by a timed device whose programming changed (see <see cref="DeadlineMoved"/>).</summary>
    public void NotifyDeadlineMoved() => DeadlineMoved?.Invoke();

    public void Advance(long deltaNs)
    {
        if (deltaNs > 0)
            NowNs = NowNs + deltaNs;
    }
}
