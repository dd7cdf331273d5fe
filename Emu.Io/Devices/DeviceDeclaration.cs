using Emu.Io.Bus;
using Emu.Io.Storage;

namespace Emu.Io.Devices;

/// <summary>
/// Everything a device occupies, said once by the device itself: its windows (ports, MMIO pages, a PCI function's
/// configuration space), the IRQ lines it drives, its reset, its poll (a poll-mode virtqueue), its disks and the
/// names its trace events carry. A device manager places it, moves its windows when the guest reprograms a BAR,
/// resets it and attaches tracing to it; whether the model runs here or in a device process is the declaration's
/// business (its regions are the model's registers or forwarders to them), never the manager's.
/// </summary>
public sealed class DeviceDeclaration(string name)
{
    private readonly List<DeviceRegion> _regions = [];
    private readonly List<int> _irqs = [];
    private readonly List<(string Name, ObservedBackend Backend)> _tracedBackends = [];
    private IDevicePlacement? _placement;

    public string Name { get; } = name;

    public IReadOnlyList<DeviceRegion> Regions => _regions;

    /// <summary>The IRQ numbers the device drives, in the order it declared them.</summary>
    public IReadOnlyList<int> Irqs => _irqs;

    /// <summary>What the machine's reset does to the device (hardware reset of its registers).</summary>
    public Action Reset { get; init; } = static () => { };

    /// <summary>A poll point of a poll-mode device, true when it found work; null for a device that is not polled.</summary>
    public Func<bool>? Poll { get; init; }

    /// <summary>Retired instructions between poll points.</summary>
    public int PollInterval { get; init; } = 1;

    /// <summary>Points the model's events at a trace, or detaches them (null): a device not traced builds no text.</summary>
    public Action<IDeviceTrace?> Trace { get; init; } = static _ => { };

    /// <summary>The disks behind the device, by unit (ATA channel order), for firmware that describes them.</summary>
    public IReadOnlyList<IBlockBackend?> Disks { get; init; } = [];

    /// <summary>The declaration of a device that is one port window and nothing else (the VGA DAC, a bench marker).</summary>
    public static DeviceDeclaration AtPorts(IIoDevice device, uint port, uint length)
    {
        var d = new DeviceDeclaration(device.Name);
        d.AddRegion(RegionSpace.Port, port, length, device);
        return d;
    }

    /// <summary>Declares a window; returns its index (what <see cref="Move"/> takes).</summary>
    public int AddRegion(RegionSpace space, uint start, uint length, IIoDevice device)
    {
        CheckOpen();
        _regions.Add(new DeviceRegion(space, start, length, device));
        return _regions.Count - 1;
    }

    public void AddIrq(int irq)
    {
        CheckOpen();
        _irqs.Add(irq);
    }

    /// <summary>A backend whose host IO is traced under <paramref name="traceName"/> when the device is traced.</summary>
    internal void AddTracedBackend(string traceName, ObservedBackend backend)
    {
        CheckOpen();
        _tracedBackends.Add((traceName, backend));
    }

    /// <summary>The device moved window <paramref name="region"/> (the guest reprogrammed a BAR or turned its
    /// decoding off: <see cref="DeviceRegion.NotDecoded"/>); whoever placed the device follows.</summary>
    public void Move(int region, uint start)
    {
        var r = _regions[region];
        if (r.Base == start)
            return;
        uint from = r.Base;
        r.Base = start;
        _placement?.Moved(this, region, from);
    }

    /// <summary>Binds the declaration to the one manager (or device session) that placed it; once.</summary>
    internal void PlacedBy(IDevicePlacement placement)
    {
        if (_placement is not null)
            throw new InvalidOperationException($"{Name} is placed already");
        _placement = placement;
    }

    /// <summary>Attaches a trace to the device (when it wants the device's events) and its backends (null detaches).</summary>
    public void AttachTrace(IDeviceTrace? trace)
    {
        Trace(trace is { Events: true } ? trace : null);
        foreach (var (traceName, backend) in _tracedBackends)
        {
            backend.Observer = trace is null ? null : new BackendTrace(trace, traceName);
            backend.MeasureHostTime = trace is { HostTime: true };
        }
    }

    private void CheckOpen()
    {
        if (_placement is not null)
            throw new InvalidOperationException($"{Name} is placed already: declare everything before");
    }
}

/// <summary>What placed a device and follows its moves: the VMM's device manager, or a device session that tells
/// its VMM.</summary>
internal interface IDevicePlacement
{
    /// <summary>Window <paramref name="region"/> of <paramref name="device"/> moved from <paramref name="from"/> to its
    /// current <see cref="DeviceRegion.Base"/>.</summary>
    void Moved(DeviceDeclaration device, int region, uint from);
}
