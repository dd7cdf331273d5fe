using Emu.Io.Ata;
using Emu.Io.Bus;
using Emu.Io.Common;
using Emu.Io.Interrupts;
using Emu.Io.Pci;
using Emu.Io.Storage;
using Emu.Io.Virtio;
using Emu.Memory;

namespace Emu.Io.Remote;

/// <summary>
/// A device model as a device process serves it: the same Emu.Io classes the VMM uses in-process, seen as a
/// list of regions (register windows addressed by region number and offset) and IRQ lines. One is built per
/// VMM connection, over that VMM's guest memory.
/// </summary>
public abstract class HostedDevice
{
    private readonly List<Region> _regions = [];
    private readonly List<byte> _irqs = [];

    public abstract RemoteDeviceKind Kind { get; }

    /// <summary>The regions as Welcome describes them (bases as they are now).</summary>
    public IReadOnlyList<RegionInfo> Regions => _regions.Select(r => r.Info).ToList();

    /// <summary>The IRQ numbers the device drives, by line index.</summary>
    public IReadOnlyList<byte> Irqs => _irqs;

    /// <summary>Reported when a region moves (a PCI BAR was reprogrammed); the session tells the VMM.</summary>
    public Action<int, uint>? RegionMoved { get; set; }

    /// <summary>The registers of each region that have a name, for the VMM's traces (the first 4,096 offsets).</summary>
    public IEnumerable<RegisterNamesMessage> RegisterNames()
    {
        for (int i = 0; i < _regions.Count; i++)
        {
            if (_regions[i].Names is not { } name)
                continue;
            var list = new List<(ushort, string, string)>();
            uint named = Math.Min(_regions[i].Info.Length, (uint)DeviceProtocol.NamedOffsets);
            for (uint offset = 0; offset < named; offset++)
            {
                string read = name(offset, false), write = name(offset, true), plain = $"+{offset:X2}";
                if (read != plain || write != plain)
                    list.Add(((ushort)offset, read, write));
            }
            if (list.Count > 0)
                yield return new RegisterNamesMessage((byte)i, list);
        }
    }

    public void Read(int region, uint offset, Span<byte> data) => _regions[region].Read(offset, data);

    public void Write(int region, uint offset, ReadOnlySpan<byte> data) => _regions[region].Write(offset, data);

    /// <summary>Machine reset.</summary>
    public abstract void Reset();

    /// <summary>A poll point (poll-mode virtqueues); true when there was work.</summary>
    public virtual bool Poll() => false;

    /// <summary>Device events (commands, state changes) go here; null for none.</summary>
    public abstract IDeviceEventSink? Events { set; }

    protected int AddRegion(RegionSpace space, uint start, uint length, IIoDevice device) =>
        AddRegion(space, start, length, device.Name, device.Read, device.Write, device.RegisterName);

    protected int AddRegion(RegionSpace space, uint start, uint length, string name, ReadAction read, WriteAction write,
        Func<uint, bool, string>? names = null)
    {
        _regions.Add(new Region(new RegionInfo(space, start, length, name), read, write, names));
        return _regions.Count - 1;
    }

    protected void MoveRegion(int index, uint start)
    {
        _regions[index] = _regions[index] with { Info = _regions[index].Info with { Base = start } };
        RegionMoved?.Invoke(index, start);
    }

    protected IrqLine AddIrq(int irq, IInterruptSink sink)
    {
        _irqs.Add((byte)irq);
        return new IrqLine(irq, sink);
    }

    protected delegate void ReadAction(uint offset, Span<byte> data);
    protected delegate void WriteAction(uint offset, ReadOnlySpan<byte> data);

    private sealed record Region(RegionInfo Info, ReadAction Read, WriteAction Write, Func<uint, bool, string>? Names);
}

/// <summary>The PIIX3 IDE controller: both channels' command and control blocks, the bus-master window
/// (which moves with BAR4) and the IDE function's PCI configuration space at 00:01.1.</summary>
public sealed class HostedAta : HostedDevice
{
    private readonly AtaController _controller;

    public HostedAta(GuestMemory memory, IInterruptSink irqSink, IReadOnlyList<(IBlockBackend Backend, string ImageName)?> disks)
    {
        var primary = AddIrq(AtaController.PrimaryIrq, irqSink);
        var secondary = AddIrq(AtaController.SecondaryIrq, irqSink);
        var drives = new AtaDrive?[4];
        for (int i = 0; i < Math.Min(4, disks.Count); i++)
        {
            if (disks[i] is { } d)
                drives[i] = new AtaDrive(d.Backend, new AtaDriveOptions { ImageName = d.ImageName });
        }
        _controller = new AtaController(memory, primary, secondary, drives[0], drives[1], drives[2], drives[3]);
        AddRegion(RegionSpace.Port, AtaController.PrimaryCommandBase, AtaController.CommandBlockLength, _controller.Primary.CommandBlock);
        AddRegion(RegionSpace.Port, AtaController.PrimaryControlPort, AtaController.ControlBlockLength, _controller.Primary.ControlBlock);
        AddRegion(RegionSpace.Port, AtaController.SecondaryCommandBase, AtaController.CommandBlockLength, _controller.Secondary.CommandBlock);
        AddRegion(RegionSpace.Port, AtaController.SecondaryControlPort, AtaController.ControlBlockLength, _controller.Secondary.ControlBlock);
        int busMaster = AddRegion(RegionSpace.Port, _controller.PciFunction.BusMasterBase ?? DeviceProtocol.NoBase,
            BusMasterDma.Length, _controller.BusMaster);
        var pci = _controller.PciFunction;
        AddRegion(RegionSpace.PciConfig, AtaController.PciDevice << 3 | AtaController.PciFunctionNumber, PciFunction.ConfigSize,
            pci.Name, (offset, data) => pci.ReadConfig((int)offset, data), (offset, data) => pci.WriteConfig((int)offset, data));
        pci.BusMasterMoved += start => MoveRegion(busMaster, start ?? DeviceProtocol.NoBase);
    }

    public override RemoteDeviceKind Kind => RemoteDeviceKind.Ata;

    public AtaController Controller => _controller;

    public override IDeviceEventSink? Events
    {
        set => _controller.Events = value;
    }

    public override void Reset() => _controller.Reset();
}

/// <summary>virtio-blk behind its virtio-mmio window (one page at D0000, IRQ 11).</summary>
public sealed class HostedVirtioBlock : HostedDevice
{
    private readonly VirtioMmioTransport _transport;

    public HostedVirtioBlock(GuestMemory memory, IInterruptSink irqSink, IBlockBackend backend, VirtioNotifyMode mode)
    {
        var irq = AddIrq(VirtioMmioTransport.DefaultIrq, irqSink);
        var device = new VirtioBlockDevice(memory, backend);
        _transport = new VirtioMmioTransport(device, memory, irq, mode);
        AddRegion(RegionSpace.Mmio, VirtioMmioTransport.DefaultBase, VirtioMmioTransport.WindowSize, _transport);
    }

    public override RemoteDeviceKind Kind => RemoteDeviceKind.VirtioBlock;

    public VirtioMmioTransport Transport => _transport;

    public override IDeviceEventSink? Events
    {
        set => _transport.Events = value;
    }

    public override void Reset() => _transport.Reset();

    public override bool Poll() => _transport.Poll();
}
