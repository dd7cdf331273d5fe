using Emu.Hypervisor.Tracing;
using Emu.Io.Ata;
using Emu.Io.Bus;
using Emu.Io.Common;
using Emu.Io.Pci;
using Emu.Io.Storage;

namespace Emu.Hypervisor;

/// <summary>
/// The storage half of the machine: the PIIX3 IDE controller (ATA channels at 1F0/3F6 on IRQ 14 and
/// 170/376 on IRQ 15, the bus-master window at BAR4, C000 out of reset) with the disks of
/// <see cref="MachineConfig.HardDisks"/>, and the PCI configuration ports (CF8-CFF, with CF9 reset)
/// through which a guest finds it. The controller is always present, as on QEMU's pc machine; a
/// channel without disks reads 0.
/// </summary>
public sealed partial class VirtualMachine
{
    public const int MaxHardDisks = 4;

    private readonly ObservedBackend?[] _disks = new ObservedBackend?[MaxHardDisks];
    private DeviceRange? _busMasterRange;

    /// <summary>The IDE controller (both channels, bus master, PCI function 00:01.1).</summary>
    public AtaController Ata => _ata ?? throw new InvalidOperationException("the ATA controller of this machine runs in a device process");

    private AtaController? _ata;

    /// <summary>PCI configuration mechanism #1 (0xCF8/0xCFC) and the PIIX reset control register (0xCF9).</summary>
    public PciConfigPorts Pci { get; private set; } = null!;

    /// <summary>Where the bus-master window decodes now (null while BAR4 is off or unusable).</summary>
    public ushort? BusMasterPort => _busMasterRange is { } r ? (ushort)r.Start : null;

    /// <summary>The host backend of disk <paramref name="index"/> (0-3), or null.</summary>
    /// <summary>With the ATA controller in a device process, a stand-in that knows the disk's size but reaches no data.</summary>
    public IBlockBackend? Disk(int index) =>
        index is >= 0 and < MaxHardDisks ? _disks[index]?.Inner ?? _remoteDisks[index] : null;

    private void AttachStorage(MachineConfig config)
    {
        if (RemoteAta)
        {
            // The controller and its PCI function are in the device process (VirtualMachine.Remote.cs places
            // them); the configuration ports and the two bridges stay here.
            Pci = new PciConfigPorts();
            Ports.Register(PciConfigPorts.BasePort, PciConfigPorts.Length, Pci);
            Pci.Attach(0, 0, new I440FxHostBridge());
            Pci.Attach(AtaController.PciDevice, 0, new Piix3IsaBridge());
            Pci.ResetRequested = () => ResetMachine("port CF9h");
            return;
        }
        var specs = config.HardDisks;
        if (specs.Count > MaxHardDisks)
            throw new ArgumentException($"at most {MaxHardDisks} hard disks can be attached (got {specs.Count})", nameof(config));
        var drives = new AtaDrive?[MaxHardDisks];
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < specs.Count; i++)
            {
                var spec = specs[i] ?? throw new ArgumentException($"hard disk {i} is null", nameof(config));
                string full = Path.GetFullPath(spec.Path);
                if (!seen.Add(full))
                    throw new DiskImageException($"disk image '{spec.Path}' is attached twice");
                var backend = new ObservedBackend(RawImageBackend.Open(spec), observer: null);
                _disks[i] = backend;
                drives[i] = new AtaDrive(backend, new AtaDriveOptions { ImageName = spec.Path });
            }
        }
        catch
        {
            foreach (var d in _disks)
                d?.Dispose();
            throw;
        }
        foreach (var d in _disks)
        {
            if (d is not null)
                Own(d);
        }

        _ata = new AtaController(Memory, Pic.GetLine(AtaController.PrimaryIrq), Pic.GetLine(AtaController.SecondaryIrq),
            drives[0], drives[1], drives[2], drives[3]);
        _busMasterRange = Ata.RegisterPorts(Ports);
        Ata.PciFunction.BusMasterMoved += MoveBusMaster;

        Pci = new PciConfigPorts();
        Ports.Register(PciConfigPorts.BasePort, PciConfigPorts.Length, Pci);
        Ata.AttachPci(Pci);
        Pci.ResetRequested = () => ResetMachine("port CF9h");
    }

    /// <summary>A reset source fired (8042, port 92h, CF9h): devices with a modelled reset take it, and the run
    /// ends, since a reboot starts a new machine.</summary>
    private void ResetMachine(string source)
    {
        _ata?.Reset();
        DeviceProcess?.Reset();
        Cpu.StopForReset($"the guest reset the machine ({source})");
    }

    /// <summary>The guest rewrote BAR4 or the PCI command register: the window leaves its old ports and takes
    /// the new ones. A base that would overlap another device is not decoded (the trace says so).</summary>
    private void MoveBusMaster(ushort? newBase)
    {
        if (_busMasterRange is { } old)
        {
            Ports.Unregister(old);
            _busMasterRange = null;
        }
        if (newBase is not ushort start)
            return;
        if (Ports.Overlapping(start, BusMasterDma.Length) is { } clash)
        {
            Tracer?.Device(this, Ata.BusMaster.Name, $"BAR4 at {start:X4} overlaps {clash}: not decoded");
            return;
        }
        _busMasterRange = Ports.Register(start, BusMasterDma.Length, Ata.BusMaster);
        Tracer?.Device(this, Ata.BusMaster.Name, $"moved to {start:X4}");
    }

    /// <summary>Points the devices' events and the disks' IO reports at the tracer and the layer accounting, or
    /// detaches them (neither wants them): an untraced machine builds no event text, an unaccounted one reads no clock.</summary>
    private void ObserveDisks()
    {
        var tracer = Tracer;
        bool events = tracer is not null && (tracer.Events & TraceEvents.Devices) != 0;
        bool observed = events || Layers is { TimesExits: true };
        bool timed = (events && tracer!.HostTime) || Layers is { TimesExits: true };
        if (_ata is not null)
            _ata.Events = events ? new DeviceEvents(this) : null;
        for (int i = 0; i < MaxHardDisks; i++)
        {
            if (_disks[i] is not { } disk)
                continue;
            disk.Observer = observed ? new DiskEvents(this, DiskName(i)) : null;
            disk.MeasureHostTime = timed;
        }
        if (VirtioTransport is not null && _virtioBackend is not null) // VirtualMachine.Virtio.cs
        {
            VirtioTransport.Events = events ? new DeviceEvents(this) : null;
            _virtioBackend.Observer = observed ? new DiskEvents(this, VirtioBackendName) : null;
            _virtioBackend.MeasureHostTime = timed;
        }
    }

    /// <summary>ata0-master, ata0-slave, ata1-master, ata1-slave.</summary>
    public static string DiskName(int index) => $"ata{index / 2}-{(index % 2 == 0 ? "master" : "slave")}";

    private sealed class DeviceEvents(VirtualMachine vm) : IDeviceEventSink
    {
        public void Note(string device, string what) => vm.Tracer?.Device(vm, device, what);
    }

    /// <summary>A disk's host IO, for the trace and the layer accounting's host-IO row.</summary>
    private sealed class DiskEvents(VirtualMachine vm, string name) : IBackendObserver
    {
        public void OnRead(long offset, int length, BlockStatus status, long hostTicks)
        {
            Account(hostTicks);
            vm.Tracer?.Device(vm, name, $"backend read offset={offset} length={length}{Failure(status)}", hostTicks);
        }

        public void OnWrite(long offset, int length, BlockStatus status, long hostTicks)
        {
            Account(hostTicks);
            vm.Tracer?.Device(vm, name, $"backend write offset={offset} length={length}{Failure(status)}", hostTicks);
        }

        public void OnFlush(BlockStatus status, long hostTicks)
        {
            Account(hostTicks);
            vm.Tracer?.Device(vm, name, $"backend flush{Failure(status)}", hostTicks);
        }

        private void Account(long hostTicks)
        {
            if (vm.Layers is { } layers)
                layers.HostIoTicks += hostTicks;
        }

        private static string Failure(BlockStatus status) => status == BlockStatus.Ok ? "" : $": {status}";
    }
}
