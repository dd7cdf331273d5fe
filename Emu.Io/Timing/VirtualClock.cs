namespace Emu.Io.Timing;

/// <summary>
/// The machine's virtual time in nanoseconds. Devices never look at the host clock: the hypervisor
/// sets <see cref="NowNs"/> from the retired-instruction count before it dispatches an exit or lets
/// a timed device fire, so the same run gives the same timings byte for byte.
/// </summary>
public sealed class VirtualClock
{
    private long _nowNs;

    /// <summary>Current virtual time. Time never runs backwards: an earlier value is ignored.</summary>
    public long NowNs
    {
        get => _nowNs;
        set
        {
            if (value > _nowNs)
                _nowNs = value;
        }
    }

    public void Advance(long deltaNs)
    {
        if (deltaNs > 0)
            NowNs = _nowNs + deltaNs;
    }
}
