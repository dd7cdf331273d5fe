using Emu.Io.Bus;
using Emu.Io.Interrupts;
using Emu.Io.Timing;

namespace Emu.Io.Pit;

/// <summary>
/// The 8254 programmable interval timer at ports 0x40-0x43: channel 0 drives IRQ 0 (the system
/// tick), channel 1 was DRAM refresh, channel 2 is gated and read back through port 0x61
/// (<see cref="SystemControlPortB"/>) and feeds the speaker. Channels 0 and 1 have their gates tied high.
/// The PIT does not own time: it reads the <see cref="VirtualClock"/> on every access, and the
/// hypervisor asks <see cref="NextDeadlineNs"/> when IRQ 0 is next due and calls <see cref="AdvanceTo"/>.
/// A write that programs a channel (a mode or a count; not a latch) tells the clock the deadline moved.
/// </summary>
public sealed class Pit8254 : ByteRegisterDevice, ITimedDevice
{
    public const ushort DefaultPort = 0x40;
    public const int ChannelCount = 3;

    private readonly VirtualClock _clock;
    private readonly PitChannel[] _channels;

    public Pit8254(VirtualClock clock, IrqLine? irq0)
    {
        _clock = clock;
        _channels = [new PitChannel(irq0), new PitChannel(null), new PitChannel(null)];
        // Channel 2's gate is port 0x61 bit 0, which is clear after reset.
        _channels[2].SetGate(false, 0);
    }

    public override string Name => "pit";

    private long NowTick => PitTime.TicksAt(_clock.NowNs);

    public long NextDeadlineNs
    {
        get
        {
            long tick = _channels[0].NextTransitionTick();
            return tick == long.MaxValue ? long.MaxValue : PitTime.NsOfTick(tick);
        }
    }

    public void AdvanceTo(long nowNs) => _channels[0].Sync(PitTime.TicksAt(nowNs));

    /// <summary>The OUT pin of a channel now (channel 2 is read through port 0x61 bit 5).</summary>
    public bool GetOutput(int channel) => (uint)channel < ChannelCount && _channels[channel].Output(NowTick);

    /// <summary>Drives a channel's GATE input (only channel 2's is wired on a PC, to port 0x61 bit 0).</summary>
    public void SetGate(int channel, bool gate)
    {
        if ((uint)channel < ChannelCount)
            _channels[channel].SetGate(gate, NowTick);
    }

    public bool GetGate(int channel) => (uint)channel < ChannelCount && _channels[channel].Gate;

    protected override byte ReadByte(uint offset)
    {
        // The control register is write-only; reading it gives nothing on an 8254.
        if (offset >= ChannelCount)
            return 0xFF;
        long tick = NowTick;
        _channels[0].Sync(tick);
        return _channels[offset].ReadCount(tick);
    }

    protected override void WriteByte(uint offset, byte value)
    {
        long tick = NowTick;
        _channels[0].Sync(tick);
        if (offset < ChannelCount)
        {
            _channels[offset].WriteCount(value, tick);
            _clock.NotifyDeadlineMoved();
            return;
        }
        int select = value >> 6;
        if (select == 3)
        {
            ReadBack(value, tick);
            return;
        }
        var channel = _channels[select];
        int access = (value >> 4) & 3;
        if (access == 0)
        {
            channel.LatchCount(tick);
            return;
        }
        int mode = (value >> 1) & 7;
        if (mode > 5)
            mode -= 4; // 6 and 7 are aliases of modes 2 and 3
        channel.SetControl(access, mode, (value & 1) != 0, tick);
        _clock.NotifyDeadlineMoved();
    }

    /// <summary>Read-back command: bit 5 clear latches counts, bit 4 clear latches status, bits 1-3 select channels.</summary>
    private void ReadBack(byte value, long tick)
    {
        for (int i = 0; i < ChannelCount; i++)
        {
            if ((value & (2 << i)) == 0)
                continue;
            if ((value & 0x10) == 0)
                _channels[i].LatchStatus(tick);
            if ((value & 0x20) == 0)
                _channels[i].LatchCount(tick);
        }
    }

    public override string RegisterName(uint offset, bool write) => offset switch
    {
        0 => "counter0",
        1 => "counter1",
        2 => "counter2",
        _ => "control",
    };
}
