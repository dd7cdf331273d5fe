using Emu.Hypervisor.Remote;
using Emu.Io.Ata;
using Emu.Io.Interrupts;
using Emu.Io.Remote;
using Emu.Io.Storage;
using Emu.Io.Virtio;
using Emu.Memory;

namespace Emu.Hypervisor;

/// <summary>
/// The devices a <see cref="MachineConfig"/> asks for beyond the PC platform, built the same way whether the model
/// runs here or in a device process: the PIIX3 IDE controller (always present, as on QEMU's pc machine; a channel
/// without disks reads 0), the virtio-blk disk (virtio-mmio at D0000, IRQ 11), or the one device of an
/// <c>emu device-server</c>. Each is handed back as a model whose declaration the machine places; what the
/// machine must dispose goes to <paramref name="owned"/>.
/// </summary>
internal static class MachineDevices
{
    /// <summary>Guest memory: private, or a shared file mapping when a device process will need to reach it.</summary>
    public static GuestMemory CreateMemory(MachineConfig config)
    {
        if (config.DeviceProcess is null)
            return new GuestMemory();
        try
        {
            return new GuestMemory(SharedRamStore.Create(SharedRamStore.NewPath()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceProcessException(new DeviceProcessError(DeviceProcessFault.NoSharedMemory, "", Detail: e.Message));
        }
    }

    /// <summary>The IDE controller with <see cref="MachineConfig.HardDisks"/>, opened here (each image once).</summary>
    public static AtaController Ata(MachineConfig config, GuestMemory memory, IInterruptSink irqs, DiskJournal journal, List<IDisposable> owned)
    {
        var specs = config.HardDisks;
        if (specs.Count > AtaController.MaxDrives)
            throw new ArgumentException($"at most {AtaController.MaxDrives} hard disks can be attached (got {specs.Count})", nameof(config));
        var disks = new List<AttachedDisk?>();
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < specs.Count; i++)
            {
                var spec = specs[i] ?? throw new ArgumentException($"hard disk {i} is null", nameof(config));
                if (!seen.Add(Path.GetFullPath(spec.Path)))
                    throw new DiskImageException(DiskImageFault.AttachedTwice, spec.Path);
                disks.Add(new AttachedDisk(new JournaledBackend(RawImageBackend.Open(spec), journal), spec.Path));
            }
        }
        catch
        {
            foreach (var d in disks)
                d?.Backend.Dispose();
            throw;
        }
        foreach (var d in disks)
            owned.Add(d!.Backend);
        return AtaController.ForDisks(memory, irqs, disks);
    }

    /// <summary>The virtio disk, or null when the configuration has none.</summary>
    public static VirtioMmioTransport? VirtioDisk(MachineConfig config, GuestMemory memory, IInterruptSink irqs, DiskJournal journal, List<IDisposable> owned)
    {
        if (config.VirtioDiskBackend is null && config.VirtioDisk is null)
            return null;
        if (config.VirtioPollInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(config), "the virtio poll interval must be at least one instruction");
        var backend = config.VirtioDiskBackend;
        if (backend is null)
        {
            var opened = RawImageBackend.Open(config.VirtioDisk!); // DiskImageException carries a one-line reason
            owned.Add(opened);
            backend = opened;
        }
        return VirtioMmioTransport.ForBlock(memory, irqs, new JournaledBackend(backend, journal), config.VirtioNotify, config.VirtioPollInterval);
    }

    /// <summary>Connects to the device process and checks that its device fits this machine's configuration; null
    /// when every device is in-process. If the connection fails later, <paramref name="failed"/> stops the guest.</summary>
    public static DeviceProcessClient? DeviceProcess(MachineConfig config, GuestMemory memory, IInterruptSink irqs, Action failed,
        List<IDisposable> owned)
    {
        if (config.DeviceProcess is not { } socket || memory.Store is not SharedRamStore shared)
            return null;
        var flags = config.VirtioNotify == VirtioNotifyMode.Poll ? HelloFlags.VirtioPoll : HelloFlags.None;
        var client = DeviceProcessClient.Connect(socket, shared, memory, flags, config.DeviceProcessTimeout, irqs, failed, config.VirtioPollInterval);
        owned.Add(new Goodbye(client));

        var welcome = client.Welcome;
        string served = welcome.Disks.Count == 0 ? "no disk" : string.Join(", ", welcome.Disks.Select(d => d.Path));
        DeviceProcessException Refused(DeviceProcessFault fault, string? detail = null) => new(new DeviceProcessError(fault, socket, served, detail));
        foreach (string expected in config.DeviceProcessDisks)
        {
            string full = Path.GetFullPath(expected);
            if (!welcome.Disks.Any(d => d.Path == full))
                throw Refused(DeviceProcessFault.WrongDisk, expected);
        }
        if (client.Kind == RemoteDeviceKind.Ata)
        {
            if (config.HardDisks.Count > 0)
                throw Refused(DeviceProcessFault.DisksGivenToVmm);
            if (config.BiosDisk == Firmware.BiosDiskMode.Hypercall && config.Firmware is not null)
                throw Refused(DeviceProcessFault.HypercallBiosDisk);
        }
        else if (client.Kind == RemoteDeviceKind.Assigned)
        {
            if (welcome.Irqs.Count != 0 || welcome.Regions.Count != 1 || welcome.Regions[0].Space != Io.Devices.RegionSpace.Assigned)
                throw Refused(DeviceProcessFault.NotAnAssignedFunction);
        }
        else if (config.VirtioDisk is not null || config.VirtioDiskBackend is not null)
        {
            throw Refused(DeviceProcessFault.VirtioDiskGivenToVmm);
        }
        else if (welcome.Irqs.Count != 1)
        {
            throw Refused(DeviceProcessFault.WrongIrqCount, welcome.Irqs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return client;
    }

    // Disposed with the machine: the device flushes its disks before the VMM lets go.
    private sealed class Goodbye(DeviceProcessClient client) : IDisposable
    {
        public void Dispose() => client.Goodbye();
    }
}
