using Emu.Hypervisor.Remote;
using Emu.Hypervisor.Virtio;
using Emu.Io.Bus;
using Emu.Io.Pci;
using Emu.Io.Remote;
using Emu.Io.Virtio;
using Emu.Memory;

namespace Emu.Hypervisor;

/// <summary>
/// A device model in a separate process (<c>emu device-server</c>), as a KVM VMM hands exits to a user-space device:
/// guest RAM is a file mapping both processes share, the device's regions are placed on this machine's buses as
/// <see cref="RemoteRegion"/>s that forward each access over the socket and wait for its completion, and the
/// device's IRQ lines end at this machine's 8259s. If the process dies, hangs or breaks the protocol, the guest
/// stops with <see cref="RunEnd.DeviceFailure"/> and one line saying what happened.
/// </summary>
public sealed partial class VirtualMachine
{
    private DeviceRange?[] _remoteRanges = [];
    private readonly RemoteDiskStandIn?[] _remoteDisks = new RemoteDiskStandIn?[MaxHardDisks];

    /// <summary>The connection to the device process; null when every device is in-process.</summary>
    public DeviceProcessClient? DeviceProcess { get; private set; }

    private bool RemoteAta => DeviceProcess?.Kind == RemoteDeviceKind.Ata;
    private bool RemoteVirtio => DeviceProcess?.Kind == RemoteDeviceKind.VirtioBlock;

    /// <summary>Guest memory: private, or a shared file mapping when a device process will need to reach it.
    /// The machine disposes the store (<see cref="GuestMemory.Store"/>) last.</summary>
    private static GuestMemory CreateMemory(MachineConfig config)
    {
        if (config.DeviceProcess is null)
            return new GuestMemory();
        try
        {
            return new GuestMemory(SharedRamStore.Create(SharedRamStore.NewPath()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceProcessException($"cannot create shared guest memory for the device process: {e.Message}");
        }
    }

    /// <summary>Connects and checks that the device fits this machine's configuration.</summary>
    private void ConnectDeviceProcess(MachineConfig config)
    {
        if (config.DeviceProcess is not { } socket || Memory.Store is not SharedRamStore shared)
            return;
        var flags = config.VirtioNotify == VirtioNotifyMode.Poll ? HelloFlags.VirtioPoll : HelloFlags.None;
        var client = DeviceProcessClient.Connect(socket, shared, Memory, flags, config.DeviceProcessTimeout);
        Own(new Goodbye(client));
        DeviceProcess = client;

        var welcome = client.Welcome;
        string served = welcome.Disks.Count == 0 ? "no disk" : string.Join(", ", welcome.Disks.Select(d => d.Path));
        foreach (string expected in config.DeviceProcessDisks)
        {
            string full = Path.GetFullPath(expected);
            if (!welcome.Disks.Any(d => d.Path == full))
                throw new DeviceProcessException($"the device process at '{socket}' serves {served}, not '{expected}'");
        }
        if (client.Kind == RemoteDeviceKind.Ata)
        {
            if (config.HardDisks.Count > 0)
                throw new DeviceProcessException($"the ATA controller is in the device process at '{socket}' (serving {served}); give its disks to emu device-server, not --disk");
            if (config.BiosDisk == Emu.Hypervisor.Firmware.BiosDiskMode.Hypercall && config.Firmware is not null)
                throw new DeviceProcessException("--bios-disk hypercall reads the image in the VMM; with the ATA controller in a device process use --bios-disk pio or dma");
            for (int i = 0; i < welcome.Disks.Count && i < MaxHardDisks; i++)
                _remoteDisks[i] = new RemoteDiskStandIn(welcome.Disks[i]);
        }
        else if (config.VirtioDisk is not null || config.VirtioDiskBackend is not null)
        {
            throw new DeviceProcessException($"virtio-blk is in the device process at '{socket}' (serving {served}); drop --virtio-disk");
        }
        else if (welcome.Irqs.Count != 1)
        {
            throw new DeviceProcessException($"the device process at '{socket}' offers virtio-blk with {welcome.Irqs.Count} IRQ lines (it has one)");
        }
        client.WireIrqs(welcome.Irqs.Select(irq => Pic.GetLine(irq)).ToList());
        client.Failed = _ => Cpu.RequestStop();
        client.RegionMoved = MoveRemoteRegion;
    }

    /// <summary>Places the device's regions on the buses (after the local PCI ports exist).</summary>
    private void PlaceRemoteRegions()
    {
        if (DeviceProcess is not { } client)
            return;
        var regions = client.Welcome.Regions;
        _remoteRanges = new DeviceRange?[regions.Count];
        for (int i = 0; i < regions.Count; i++)
        {
            var region = regions[i];
            switch (region.Space)
            {
                case RegionSpace.Port when region.Decoded:
                    _remoteRanges[i] = Ports.Register(region.Base, region.Length, new RemoteRegion(client, i, region.Name));
                    break;
                case RegionSpace.Mmio:
                    _remoteRanges[i] = MapMmio(region.Base, region.Length, new RemoteRegion(client, i, region.Name));
                    break;
                case RegionSpace.PciConfig:
                    Pci.Attach((int)(region.Base >> 3), (int)(region.Base & 7), new RemotePciFunction(new RemoteRegion(client, i, region.Name)));
                    break;
            }
        }
        if (RemoteVirtio && Config.VirtioNotify == VirtioNotifyMode.Poll)
            Platform.TimedDevices.Add(VirtioPoller = new VirtioPoller(this, client.Poll, Config.VirtioPollInterval, client.Welcome.Irqs[0]));
    }

    /// <summary>The device moved a region (the guest reprogrammed BAR4): as <see cref="MoveBusMaster"/> does in-process.</summary>
    private void MoveRemoteRegion(int index, uint start)
    {
        if (index >= _remoteRanges.Length)
            return;
        if (_remoteRanges[index] is { } old)
        {
            Ports.Unregister(old);
            _remoteRanges[index] = null;
        }
        var region = DeviceProcess!.Welcome.Regions[index];
        if (start == DeviceProtocol.NoBase)
            return;
        if (Ports.Overlapping(start, region.Length) is { } clash)
        {
            Tracer?.Device(this, region.Name, $"moved to {start:X4}, which overlaps {clash}: not decoded");
            return;
        }
        _remoteRanges[index] = Ports.Register(start, region.Length, new RemoteRegion(DeviceProcess, index, region.Name));
        Tracer?.Device(this, region.Name, $"moved to {start:X4}");
    }

    /// <summary>Tells the device process to send its events (or stop), and routes them and the hop into the trace.</summary>
    private void TraceDeviceProcess(Tracing.Tracer? tracer)
    {
        if (DeviceProcess is not { } client)
            return;
        bool on = tracer is not null && (tracer.Events & Tracing.TraceEvents.Devices) != 0;
        var flags = Config.VirtioNotify == VirtioNotifyMode.Poll ? HelloFlags.VirtioPoll : HelloFlags.None;
        if (on)
            flags |= HelloFlags.Events | (tracer!.HostTime ? HelloFlags.HostTime : HelloFlags.None);
        client.Configure(flags);
        client.DeviceEvent = on ? e => Tracer?.Device(this, e.Device, e.Text, NsToTicks(e.HostNs)) : null;
        client.HopEvent = on ? (what, ticks) => Tracer?.Device(this, "device-process", what, ticks) : null;
    }

    private static long NsToTicks(long ns) => (long)(ns * (System.Diagnostics.Stopwatch.Frequency / 1e9));

    /// <summary>The run's end when the device process failed, else null.</summary>
    private RunOutcome? DeviceProcessOutcome() =>
        DeviceProcess?.Failure is { } failure
            ? Finish(RunEnd.DeviceFailure, 1, $"{failure}; guest stopped at {Cpu.CS:X4}:{Cpu.IP:X4}")
            : null;

    // Disposed with the machine: the device flushes its disks before the VMM lets go.
    private sealed class Goodbye(DeviceProcessClient client) : IDisposable
    {
        public void Dispose() => client.Goodbye();
    }
}
