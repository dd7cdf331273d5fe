namespace Emu.Io.Bus;

/// <summary>
/// Memory-mapped device registers by physical address. Ranges are few and sparse, so lookup is a
/// binary search over an array sorted by start address.
/// </summary>
public sealed class MmioBus : DeviceBus
{
    private DeviceRange[] _sorted = [];

    protected override ulong AddressLimit => uint.MaxValue;

    protected override DeviceRange? Find(uint address)
    {
        var ranges = _sorted;
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = ranges[mid];
            if (address < r.Start)
                hi = mid - 1;
            else if (address >= r.End)
                lo = mid + 1;
            else
                return r;
        }
        return null;
    }

    protected override void OnRegistered(DeviceRange changed, IReadOnlyList<DeviceRange> sorted) => _sorted = [.. sorted];
}
