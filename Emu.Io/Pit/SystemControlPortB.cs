using Emu.Io.Bus;
using Emu.Io.Timing;

namespace Emu.Io.Pit;

/// <summary>
/// Port 0x61, "system control port B" of the AT: bit 0 gates PIT channel 2, bit 1 enables the
/// speaker, bits 2-3 enable parity/channel checks (stored only); reads add bit 4, the DRAM refresh
/// request that toggles every 15.085 us (BIOS delay loops count its toggles), and bit 5, PIT OUT2.
/// Bits 6-7 (parity and I/O channel check errors) never occur here and read 0.
/// </summary>
internal sealed class SystemControlPortB(Pit8254 pit, VirtualClock clock) : ByteRegisterDevice
{
    public const ushort DefaultPort = 0x61;

    /// <summary>Half period of the refresh request signal (15.085 us between toggles).</summary>
    public const long RefreshToggleNs = 15_085;

    private byte _control;

    public override string Name => "port-b";

    /// <summary>Bit 1: the speaker follows PIT OUT2 (for a future audio sink).</summary>
    public bool SpeakerEnabled => (_control & 0x02) != 0;

    protected override byte ReadByte(uint offset)
    {
        int refresh = (int)(clock.NowNs / RefreshToggleNs) & 1;
        int out2 = pit.GetOutput(2) ? 1 : 0;
        return (byte)(_control | refresh << 4 | out2 << 5);
    }

    protected override void WriteByte(uint offset, byte value)
    {
        _control = (byte)(value & 0x0F);
        pit.SetGate(2, (value & 0x01) != 0);
    }

    public override string RegisterName(uint offset, bool write) => "port-b";
}
