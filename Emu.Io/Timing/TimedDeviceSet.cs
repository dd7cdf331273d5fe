namespace Emu.Io.Timing;

/// <summary>The hypervisor's view of all timed devices: the earliest deadline, and advancing them all.</summary>
public sealed class TimedDeviceSet
{
    private ITimedDevice[] _devices = [];

    public void Add(ITimedDevice device) => _devices = [.. _devices, device];

    public void Remove(ITimedDevice device) => _devices = [.. _devices.Where(d => d != device)];

    public long NextDeadlineNs
    {
        get
        {
            long next = long.MaxValue;
            foreach (var d in _devices)
                next = Math.Min(next, d.NextDeadlineNs);
            return next;
        }
    }

    public void AdvanceTo(long nowNs)
    {
        foreach (var d in _devices)
            d.AdvanceTo(nowNs);
    }
}
