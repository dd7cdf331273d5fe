using Emu.Io.Bus;
using Emu.Memory;

namespace Emu.Io.A20;

/// <summary>
/// Port 0x92, "system control port A" (PS/2 and every later chipset): bit 1 is the fast A20 gate,
/// bit 0 a fast CPU reset (a 0→1 write pulses the reset line, reported to <see cref="ResetRequested"/>).
/// The 8042's output port drives the same gate; chipsets OR the two, here they both set
/// <see cref="GuestMemory.A20Enabled"/> and the last writer wins, which is what software expects when
/// it uses one method. Reads reflect the actual gate. Other bits are stored (bit 3 is a CMOS lock on
/// some boards) and read back.
/// </summary>
internal sealed class SystemControlPortA(GuestMemory memory) : ByteRegisterDevice
{
    public const ushort DefaultPort = 0x92;

    private byte _bits;

    public override string Name => "port-a";

    /// <summary>The guest asked for a CPU reset (the hypervisor resets the CPU, not the devices).</summary>
    public Action? ResetRequested { get; init; }

    protected override byte ReadByte(uint offset) => (byte)((_bits & 0xFC) | (memory.A20Enabled ? 0x02 : 0));

    protected override void WriteByte(uint offset, byte value)
    {
        bool resetEdge = (value & 0x01) != 0 && (_bits & 0x01) == 0;
        // Bit 0 reads back 0: the reset it triggers completes at once.
        _bits = (byte)(value & 0xFE);
        memory.A20Enabled = (value & 0x02) != 0;
        if (resetEdge)
            ResetRequested?.Invoke();
    }

    public override string RegisterName(uint offset, bool write) => "port-a";

    /// <summary>Machine reset: the stored bits clear and the A20 gate closes (its reset state).</summary>
    public void Reset()
    {
        _bits = 0;
        memory.A20Enabled = false;
    }
}
