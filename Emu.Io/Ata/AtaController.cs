using Emu.Io.Common;
using Emu.Io.Devices;
using Emu.Io.Interrupts;
using Emu.Io.Pci;
using Emu.Io.Storage;
using Emu.Memory;

namespace Emu.Io.Ata;

/// <summary>
/// A PIIX3-style IDE controller: two legacy ATA channels, the bus-master DMA window, and the PCI
/// function that describes them. <see cref="Declaration"/> says what it occupies (1F0-1F7, 3F6, 170-177,
/// 376, the bus-master window at BAR4, the function 00:01.1, IRQ 14 and 15); a device manager places it
/// and follows BAR4 when the guest moves it. A channel with no drive is still placed: its registers
/// read 0, as an empty channel on the PIIX does under QEMU. Port 3F7/377 (the floppy's DIR) is left alone.
/// </summary>
public sealed class AtaController
{
    public const ushort PrimaryCommandBase = 0x1F0;
    public const ushort PrimaryControlPort = 0x3F6;
    public const ushort SecondaryCommandBase = 0x170;
    public const ushort SecondaryControlPort = 0x376;
    public const uint CommandBlockLength = 8;
    public const uint ControlBlockLength = 1;
    public const int PrimaryIrq = 14;
    public const int SecondaryIrq = 15;
    public const ushort DefaultBusMasterBase = 0xC000;
    /// <summary>Where QEMU's <c>pc</c> machine has the IDE function: 00:01.1.</summary>
    public const int PciDevice = 1, PciFunctionNumber = 1;

    public AtaController(GuestMemory memory, IrqLine primaryIrq, IrqLine secondaryIrq,
        AtaDrive? primaryMaster = null, AtaDrive? primarySlave = null,
        AtaDrive? secondaryMaster = null, AtaDrive? secondarySlave = null,
        ushort busMasterBase = DefaultBusMasterBase)
    {
        Primary = new AtaChannel("ata0", primaryIrq, memory, primaryMaster, primarySlave);
        Secondary = new AtaChannel("ata1", secondaryIrq, memory, secondaryMaster, secondarySlave);
        BusMaster = new BusMasterDma(Primary, Secondary);
        PciFunction = new Piix3IdeFunction(BusMaster, Primary, Secondary, busMasterBase);
        Declaration = Declare(primaryIrq.Number, secondaryIrq.Number, [primaryMaster, primarySlave, secondaryMaster, secondarySlave]);
    }

    /// <summary>
    /// The controller over disk images (in channel order: ata0-master, ata0-slave, ata1-master, ata1-slave), its
    /// IRQs on <paramref name="irqs"/>: each backend behind an observer, so the disks' host IO is traced under
    /// <see cref="DiskName"/> when the controller is. The VMM and a device process build it the same way.
    /// </summary>
    public static AtaController ForDisks(GuestMemory memory, IInterruptSink irqs, IReadOnlyList<AttachedDisk?> disks)
    {
        var drives = new AtaDrive?[MaxDrives];
        var observed = new ObservedBackend?[MaxDrives];
        for (int i = 0; i < Math.Min(MaxDrives, disks.Count); i++)
        {
            if (disks[i] is not { } d)
                continue;
            observed[i] = new ObservedBackend(d.Backend, observer: null);
            drives[i] = new AtaDrive(observed[i]!, new AtaDriveOptions { ImageName = d.ImageName });
        }
        var controller = new AtaController(memory, new IrqLine(PrimaryIrq, irqs), new IrqLine(SecondaryIrq, irqs),
            drives[0], drives[1], drives[2], drives[3]);
        for (int i = 0; i < MaxDrives; i++)
        {
            if (observed[i] is { } backend)
                controller.Declaration.AddTracedBackend(DiskName(i), backend);
        }
        return controller;
    }

    public const int MaxDrives = 4;

    /// <summary>ata0-master, ata0-slave, ata1-master, ata1-slave.</summary>
    public static string DiskName(int index) => $"ata{index / 2}-{(index % 2 == 0 ? "master" : "slave")}";

    /// <summary>What the controller occupies, said once for the VMM and a device process alike.</summary>
    public DeviceDeclaration Declaration { get; }

    private DeviceDeclaration Declare(int primaryIrq, int secondaryIrq, AtaDrive?[] drives)
    {
        var d = new DeviceDeclaration("ide")
        {
            Reset = Reset,
            Trace = trace => Events = trace,
            // The images themselves, not their trace observers: what firmware reads of them is not the device's IO.
            Disks = [.. drives.Select(drive => drive?.Backend is ObservedBackend o ? o.Inner : drive?.Backend)],
        };
        d.AddRegion(RegionSpace.Port, PrimaryCommandBase, CommandBlockLength, Primary.CommandBlock);
        d.AddRegion(RegionSpace.Port, PrimaryControlPort, ControlBlockLength, Primary.ControlBlock);
        d.AddRegion(RegionSpace.Port, SecondaryCommandBase, CommandBlockLength, Secondary.CommandBlock);
        d.AddRegion(RegionSpace.Port, SecondaryControlPort, ControlBlockLength, Secondary.ControlBlock);
        int busMaster = d.AddRegion(RegionSpace.Port, PciFunction.BusMasterBase ?? DeviceRegion.NotDecoded, BusMasterDma.Length, BusMaster);
        d.AddRegion(RegionSpace.PciConfig, PciDevice << 3 | PciFunctionNumber, Pci.PciFunction.ConfigSize, PciFunction);
        d.AddIrq(primaryIrq);
        d.AddIrq(secondaryIrq);
        PciFunction.BusMasterMoved += start => d.Move(busMaster, start ?? DeviceRegion.NotDecoded);
        return d;
    }

    internal AtaChannel Primary { get; }
    internal AtaChannel Secondary { get; }
    /// <summary>The 16-port bus-master window (BAR4).</summary>
    internal BusMasterDma BusMaster { get; }
    internal Piix3IdeFunction PciFunction { get; }

    /// <summary>Device events of both channels (commands, state, IRQ, backend IO); null costs nothing.</summary>
    public IDeviceEventSink? Events
    {
        get => Primary.Events;
        set => Primary.Events = Secondary.Events = value;
    }

    /// <summary>Hardware reset of both channels (machine reset).</summary>
    public void Reset()
    {
        Primary.HardwareReset();
        Secondary.HardwareReset();
    }
}
