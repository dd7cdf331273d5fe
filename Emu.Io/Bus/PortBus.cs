namespace Emu.Io.Bus;

/// <summary>
/// The x86 16-bit I/O port space. Lookup is one table load: a 64K-entry map from port to range
/// index (+1, 0 meaning nothing there), 128 KiB once per machine, so an IN/OUT exit costs no search.
/// An address above 0xFFFF (which the CPU cannot produce) is simply unclaimed.
/// </summary>
public sealed class PortBus : DeviceBus
{
    public const int PortCount = 0x1_0000;

    private readonly ushort[] _rangeIndexByPort = new ushort[PortCount];
    private DeviceRange[] _sorted = [];

    protected override ulong AddressLimit => PortCount - 1;

    protected override DeviceRange? Find(uint address)
    {
        if (address >= PortCount)
            return null;
        int index = _rangeIndexByPort[address];
        return index == 0 ? null : _sorted[index - 1];
    }

    protected override void OnRegistered(DeviceRange changed, IReadOnlyList<DeviceRange> sorted)
    {
        if (sorted.Count >= ushort.MaxValue)
            throw new InvalidOperationException("too many port ranges");
        _sorted = [.. sorted];
        Array.Clear(_rangeIndexByPort);
        for (int i = 0; i < _sorted.Length; i++)
        {
            // A loop rather than Span.Fill, whose ushort code is JIT-compiled (not precompiled) at every start.
            var r = _sorted[i];
            for (uint port = r.Start; port < r.Start + r.Length; port++)
                _rangeIndexByPort[port] = (ushort)(i + 1);
        }
    }
}
