using Emu.Io.Bus;
using Emu.Io.Pci;
using Emu.Io.Storage;
using Emu.Io.Timing;
using Emu.Memory;

namespace Emu.Io.Devices;

/// <summary>
/// Places devices from their <see cref="DeviceDeclaration"/>s, as Firecracker's device manager and rust-vmm's
/// <c>IoManager</c> do: port windows on the <see cref="PortBus"/>, MMIO windows on the <see cref="MmioBus"/> (their
/// pages marked MMIO in guest memory, so CPU accesses exit and DMA never reaches them), PCI functions on the
/// configuration ports, a poller for a polled device among the timed devices. It follows a window the guest moves (a PCI
/// BAR), removes devices, resets them all, and is the one place tracing is attached to them. A declaration whose
/// model runs in a device process is placed the same way: its windows are forwarders, nothing here asks.
/// </summary>
public sealed class DeviceManager : IDevicePlacement
{
    private readonly PortBus _ports;
    private readonly MmioBus _mmio;
    private readonly GuestMemory _memory;
    private readonly PciConfigPorts _pci;
    private readonly TimedDeviceSet _timed;
    private readonly Func<DeviceDeclaration, ITimedDevice>? _pollerFor;
    private readonly List<Placed> _placed = [];
    private IDeviceTrace? _trace;

    /// <param name="pollerFor">How this machine polls a device that declares a poll (the hypervisor's poller on
    /// virtual time); null where nothing is polled.</param>
    public DeviceManager(PortBus ports, MmioBus mmio, GuestMemory memory, PciConfigPorts pci, TimedDeviceSet timed,
        Func<DeviceDeclaration, ITimedDevice>? pollerFor = null)
    {
        _ports = ports;
        _mmio = mmio;
        _memory = memory;
        _pci = pci;
        _timed = timed;
        _pollerFor = pollerFor;
    }

    /// <summary>The placed devices, in the order they were added.</summary>
    public IEnumerable<DeviceDeclaration> Devices => _placed.Select(p => p.Device);

    /// <summary>The pollers of polled devices (timed devices: the run loop's slices end at their poll points), each
    /// with the IRQ its device raises on completion.</summary>
    public IEnumerable<(ITimedDevice Poller, int Irq)> Pollers =>
        _placed.Where(p => p.Poller is not null).Select(p => (p.Poller!, p.Device.Irqs.Count > 0 ? p.Device.Irqs[0] : -1));

    /// <summary>Disk <paramref name="unit"/> of the first device that has disks (the IDE controller), or null.</summary>
    public IBlockBackend? Disk(int unit) =>
        _placed.Select(p => p.Device.Disks).FirstOrDefault(d => d.Count > 0) is { } disks && unit >= 0 && unit < disks.Count ? disks[unit] : null;

    /// <summary>Places every window of <paramref name="device"/> that decodes, and its poller. A window that
    /// overlaps another device's is a configuration error and throws.</summary>
    public void Add(DeviceDeclaration device)
    {
        var placed = new Placed(device, new DeviceRange?[device.Regions.Count]);
        for (int i = 0; i < device.Regions.Count; i++)
            placed.Ranges[i] = Place(device.Regions[i], device.Regions[i].Base);
        if (device.Poll is not null && _pollerFor is not null)
        {
            placed.Poller = _pollerFor(device);
            _timed.Add(placed.Poller);
        }
        device.PlacedBy(this);
        _placed.Add(placed);
        if (_trace is not null)
            device.AttachTrace(_trace);
    }

    /// <summary>Takes <paramref name="device"/> off the buses (its addresses become unclaimed, its PCI slot empty).</summary>
    public void Remove(DeviceDeclaration device)
    {
        var placed = Find(device);
        for (int i = 0; i < placed.Ranges.Length; i++)
            Unplace(device.Regions[i], placed.Ranges[i]);
        if (placed.Poller is { } poller)
            _timed.Remove(poller);
        device.AttachTrace(null);
        _placed.Remove(placed);
    }

    /// <summary>The one way a window moves, for every kind of device: it leaves its old addresses and takes the
    /// new ones. A base that would overlap another device is not decoded (the trace says so).</summary>
    public void Moved(DeviceDeclaration device, int region, uint from)
    {
        var placed = Find(device);
        var r = device.Regions[region];
        Unplace(r, placed.Ranges[region]);
        placed.Ranges[region] = null;
        if (!r.Decoded)
            return;
        if (Occupant(r.Space, r.Base, r.Length) is { } clash)
        {
            _trace?.Note(r.Name, $"moved to {r.Base:X4}, which overlaps {clash}: not decoded");
            return;
        }
        placed.Ranges[region] = Place(r, r.Base);
        _trace?.Note(r.Name, $"moved to {r.Base:X4}");
    }

    /// <summary>Hardware reset of every device, in the order they were added.</summary>
    public void Reset()
    {
        foreach (var p in _placed)
            p.Device.Reset();
    }

    /// <summary>Points every device's events and its backends' IO at <paramref name="trace"/> (null detaches).</summary>
    public void AttachTrace(IDeviceTrace? trace)
    {
        _trace = trace;
        foreach (var p in _placed)
            p.Device.AttachTrace(trace);
    }

    private DeviceRange? Place(DeviceRegion region, uint start)
    {
        if (!region.Decoded)
            return null;
        switch (region.Space)
        {
            case RegionSpace.Port:
                return _ports.Register(start, region.Length, region.Device);
            case RegionSpace.Mmio:
                var range = _mmio.Register(start, region.Length, region.Device);
                MapPages(range, PageKind.Mmio);
                return range;
            case RegionSpace.PciConfig:
                _pci.Attach((int)(start >> 3), (int)(start & 7), region.Device);
                return null;
            case RegionSpace.Assigned:
                // Plain memory the device watches: the guest's loads and stores do not exit.
                _memory.Map(start, region.Length, PageKind.Ram);
                return null;
            default:
                throw new ArgumentException($"{region.Name}: unknown region space {region.Space}");
        }
    }

    private void Unplace(DeviceRegion region, DeviceRange? range)
    {
        switch (region.Space)
        {
            case RegionSpace.Port when range is not null:
                _ports.Unregister(range);
                break;
            case RegionSpace.Mmio when range is not null:
                _mmio.Unregister(range);
                MapPages(range, PageKind.Ram); // MMIO windows sit in the RAM of the upper memory area (D0000)
                break;
            case RegionSpace.PciConfig when region.Decoded:
                _pci.Detach((int)(region.Base >> 3), (int)(region.Base & 7));
                break;
        }
    }

    private void MapPages(DeviceRange range, PageKind kind)
    {
        uint first = range.Start & ~(uint)(GuestMemory.PageSize - 1);
        uint end = (uint)((range.End + GuestMemory.PageSize - 1) & ~(ulong)(GuestMemory.PageSize - 1));
        _memory.Map(first, end - first, kind);
    }

    private DeviceRange? Occupant(RegionSpace space, uint start, uint length) => space switch
    {
        RegionSpace.Port => _ports.Overlapping(start, length),
        RegionSpace.Mmio => _mmio.Overlapping(start, length),
        _ => null,
    };

    private Placed Find(DeviceDeclaration device) =>
        _placed.Find(p => p.Device == device) ?? throw new InvalidOperationException($"{device.Name} is not placed here");

    private sealed class Placed(DeviceDeclaration device, DeviceRange?[] ranges)
    {
        public DeviceDeclaration Device { get; } = device;
        public DeviceRange?[] Ranges { get; } = ranges;
        public ITimedDevice? Poller { get; set; }
    }
}
