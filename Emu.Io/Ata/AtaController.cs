using Emu.Io.Bus;
using Emu.Io.Common;
using Emu.Io.Interrupts;
using Emu.Io.Pci;
using Emu.Memory;

namespace Emu.Io.Ata;

/// <summary>
/// A PIIX3-style IDE controller: two legacy ATA channels, the bus-master DMA window, and the PCI
/// function that describes them. The hypervisor creates it with the IRQ lines (14 and 15 on the
/// 8259 pair), places its windows with <see cref="RegisterPorts"/>, attaches <see cref="PciFunction"/>
/// to the PCI configuration ports at 00:01.1, and re-places <see cref="BusMaster"/> when
/// <see cref="Piix3IdeFunction.BusMasterMoved"/> fires.
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
    }

    public AtaChannel Primary { get; }
    public AtaChannel Secondary { get; }
    /// <summary>The 16-port bus-master window (BAR4).</summary>
    public BusMasterDma BusMaster { get; }
    public Piix3IdeFunction PciFunction { get; }

    /// <summary>Device events of both channels (commands, state, IRQ, backend IO); null costs nothing.</summary>
    public IDeviceEventSink? Events
    {
        get => Primary.Events;
        set => Primary.Events = Secondary.Events = value;
    }

    /// <summary>
    /// Registers the legacy windows (1F0-1F7, 3F6, 170-177, 376) and the bus-master window at its
    /// current BAR4 base. A channel with no drive is still registered: its registers read 0, as an
    /// empty channel on the PIIX does under QEMU. Port 3F7/377 (the floppy's DIR) is left alone.
    /// </summary>
    /// <returns>The bus-master window's range (null when BAR4 does not decode), to unregister when it moves.</returns>
    public DeviceRange? RegisterPorts(PortBus bus)
    {
        bus.Register(PrimaryCommandBase, CommandBlockLength, Primary.CommandBlock);
        bus.Register(PrimaryControlPort, ControlBlockLength, Primary.ControlBlock);
        bus.Register(SecondaryCommandBase, CommandBlockLength, Secondary.CommandBlock);
        bus.Register(SecondaryControlPort, ControlBlockLength, Secondary.ControlBlock);
        return PciFunction.BusMasterBase is { } bmBase ? bus.Register(bmBase, BusMasterDma.Length, BusMaster) : null;
    }

    /// <summary>Attaches the PCI functions of QEMU's pc machine that this controller needs:
    /// the host bridge (00:00.0), the PIIX3 ISA bridge (00:01.0) and the IDE function (00:01.1).</summary>
    public void AttachPci(PciConfigPorts pci)
    {
        if (pci.FunctionAt(0, 0) is null)
            pci.Attach(0, 0, new I440FxHostBridge());
        if (pci.FunctionAt(PciDevice, 0) is null)
            pci.Attach(PciDevice, 0, new Piix3IsaBridge());
        pci.Attach(PciDevice, PciFunctionNumber, PciFunction);
    }

    /// <summary>Hardware reset of both channels (machine reset).</summary>
    public void Reset()
    {
        Primary.HardwareReset();
        Secondary.HardwareReset();
    }
}
