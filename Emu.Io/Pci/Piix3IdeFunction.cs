using Emu.Io.Ata;

namespace Emu.Io.Pci;

/// <summary>
/// The PIIX3 IDE function (8086:7010, class 01 01 80: mass storage, IDE, both channels in legacy
/// compatibility mode at 1F0/170 with IRQ 14/15, bus-master capable). Its only BAR is BAR4, the
/// 16-port bus-master window. Command bit 0 gates that window's decoding, bit 2 lets the bus master
/// reach memory. QEMU places this function at 00:01.1 of its <c>pc</c> machine.
/// </summary>
internal sealed class Piix3IdeFunction : PciFunction
{
    public const int Bar4 = 0x20;
    public const int IdeTiming = 0x40; // IDETIM primary (40-41) and secondary (42-43), SIDETIM (44)

    private readonly BusMasterDma _busMaster;
    private readonly AtaChannel _primary;
    private readonly AtaChannel _secondary;
    private ushort? _placement;

    public Piix3IdeFunction(BusMasterDma busMaster, AtaChannel primary, AtaChannel secondary, ushort busMasterBase)
        : base("piix3-ide", 0x8086, 0x7010, classCode: 0x01, subClass: 0x01, progIf: 0x80)
    {
        _busMaster = busMaster;
        _primary = primary;
        _secondary = secondary;
        SetWord(Status, 0x0280);
        WritableWord(Command, CommandIo | CommandBusMaster);
        // BAR4: an I/O BAR of 16 ports (bit 0 = 1 hard-wired, bits 3:1 zero, so sizing reads back FFFFFFF1).
        WritableDword(Bar4, 0xFFFF_FFF0);
        SetDword(Bar4, (uint)(busMasterBase & 0xFFF0) | 1);
        Writable(IdeTiming, 5); // timing registers: stored; legacy decode is not switched off by them
        // Enabled out of reset (QEMU leaves this to the BIOS; our firmware does no PCI setup).
        SetWord(Command, CommandIo | CommandBusMaster);
        Apply();
    }

    /// <summary>Where the bus-master window decodes now: null while I/O decoding is off or the BAR is unusable.</summary>
    public ushort? BusMasterBase => _placement;

    /// <summary>The guest moved the bus-master window (or turned its decoding on/off): the hypervisor unmaps
    /// the old range and maps <see cref="BusMasterDma"/> at the new base (null = unmapped).</summary>
    public event Action<ushort?>? BusMasterMoved;

    protected override void OnConfigWritten(int offset, int length)
    {
        if (Touches(offset, length, Command, 2) || Touches(offset, length, Bar4, 4))
            Apply();
    }

    private void Apply()
    {
        ushort command = CommandRegister;
        _busMaster.IoEnabled = (command & CommandIo) != 0;
        _primary.BusMaster.MasterEnabled = _secondary.BusMaster.MasterEnabled = (command & CommandBusMaster) != 0;
        uint bar = ReadDword(Bar4) & 0xFFFF_FFF0;
        // Only a base inside the 64 KiB port space (and not 0, the unassigned value) can decode.
        ushort? placement = _busMaster.IoEnabled && bar != 0 && bar <= 0x1_0000 - BusMasterDma.Length ? (ushort)bar : null;
        if (placement != _placement)
        {
            _placement = placement;
            BusMasterMoved?.Invoke(placement);
        }
        // A transfer that was waiting for bus-master enable may run now.
        _primary.RunPendingDma();
        _secondary.RunPendingDma();
    }
}
