using Emu.Io.Ata;
using Emu.Io.Devices;
using Emu.Io.Interrupts;
using Emu.Io.Storage;
using Emu.Io.Virtio;
using Emu.Memory;

namespace Emu.Io.Remote;

/// <summary>
/// A device model as a device process serves it: the same model and the same <see cref="DeviceDeclaration"/> the VMM
/// places in-process, seen as a list of regions addressed by region number and offset. One is built per VMM
/// connection, over that VMM's guest memory; when the model moves a region, <paramref name="moved"/> tells the VMM.
/// </summary>
internal sealed class HostedDevice : IDevicePlacement
{
    private readonly DeviceDeclaration _declaration;
    private readonly Action<int, uint> _moved;

    private HostedDevice(RemoteDeviceKind kind, DeviceDeclaration declaration, Action<int, uint> moved)
    {
        Kind = kind;
        _declaration = declaration;
        _moved = moved;
        declaration.PlacedBy(this);
    }

    /// <summary>The model of <paramref name="kind"/> over <paramref name="disks"/>, its IRQs on <paramref name="irqs"/>.</summary>
    public static HostedDevice Create(RemoteDeviceKind kind, GuestMemory memory, IInterruptSink irqs,
        IReadOnlyList<AttachedDisk?> disks, VirtioNotifyMode mode, Action<int, uint> moved) => kind switch
    {
        RemoteDeviceKind.Ata => new HostedDevice(kind, AtaController.ForDisks(memory, irqs, disks).Declaration, moved),
        RemoteDeviceKind.VirtioBlock => new HostedDevice(kind, VirtioMmioTransport.ForBlock(memory, irqs, disks[0]!.Backend, mode).Declaration, moved),
        _ => throw new InvalidOperationException($"unknown device kind {kind}"),
    };

    /// <summary>Virtual function <paramref name="vf"/> of the assigned device: its register page, never trapped.</summary>
    public static HostedDevice ForFunction(Assigned.PhysicalFunction pf, Assigned.VirtualFunction vf, Action<int, uint> moved) =>
        new(RemoteDeviceKind.Assigned, Assigned.VfRegisterWindow.Declare(pf, vf), moved);

    public RemoteDeviceKind Kind { get; }

    /// <summary>The regions as Welcome describes them (bases as they are now).</summary>
    public IReadOnlyList<RegionInfo> Regions =>
        _declaration.Regions.Select(r => new RegionInfo(r.Space, r.Base, r.Length, r.Name)).ToList();

    /// <summary>The IRQ numbers the device drives, by line index.</summary>
    public IReadOnlyList<byte> Irqs => _declaration.Irqs.Select(irq => (byte)irq).ToList();

    /// <summary>The registers of each region that have a name, for the VMM's traces (the first 4,096 offsets).</summary>
    public IEnumerable<RegisterNamesMessage> RegisterNames()
    {
        for (int i = 0; i < _declaration.Regions.Count; i++)
        {
            var region = _declaration.Regions[i];
            var list = new List<(ushort, string, string)>();
            uint named = Math.Min(region.Length, (uint)DeviceProtocol.NamedOffsets);
            for (uint offset = 0; offset < named; offset++)
            {
                string read = region.Device.RegisterName(offset, false), write = region.Device.RegisterName(offset, true), plain = $"+{offset:X2}";
                if (read != plain || write != plain)
                    list.Add(((ushort)offset, read, write));
            }
            if (list.Count > 0)
                yield return new RegisterNamesMessage((byte)i, list);
        }
    }

    public void Read(int region, uint offset, Span<byte> data) => _declaration.Regions[region].Device.Read(offset, data);

    public void Write(int region, uint offset, ReadOnlySpan<byte> data) => _declaration.Regions[region].Device.Write(offset, data);

    /// <summary>Machine reset.</summary>
    public void Reset() => _declaration.Reset();

    /// <summary>A poll point (poll-mode virtqueues); true when there was work.</summary>
    public bool Poll() => _declaration.Poll?.Invoke() ?? false;

    /// <summary>Device events (commands, state changes, backend IO) go to <paramref name="trace"/>; null for none.</summary>
    public void AttachTrace(IDeviceTrace? trace) => _declaration.AttachTrace(trace);

    void IDevicePlacement.Moved(DeviceDeclaration device, int region, uint from) => _moved(region, device.Regions[region].Base);
}
