using Emu.Io.Pit;

namespace Emu.Io.Tests;

public class PitTests
{
    private readonly VirtualClock _clock = new();
    private readonly IrqLine _irq0 = new(0);
    private readonly Pit8254 _pit;
    private readonly PortBus _bus = new();

    public PitTests()
    {
        _pit = new Pit8254(_clock, _irq0);
        _bus.Register(0x40, 4, _pit);
        _bus.Register(0x61, 1, new SystemControlPortB(_pit, _clock));
    }

    private void Out(ushort port, byte value) => _bus.Write(port, 1, value);
    private byte In(ushort port) => (byte)_bus.Read(port, 1);

    private void AtTick(long tick)
    {
        _clock.NowNs = PitTime.NsOfTick(tick);
        _pit.AdvanceTo(_clock.NowNs);
    }

    private void Program(int channel, byte mode, ushort count)
    {
        Out(0x43, (byte)(channel << 6 | 0x30 | mode << 1));
        Out((ushort)(0x40 + channel), (byte)count);
        Out((ushort)(0x40 + channel), (byte)(count >> 8));
    }

    private ushort ReadCounter(int channel) => (ushort)(In((ushort)(0x40 + channel)) | In((ushort)(0x40 + channel)) << 8);

    [Fact]
    public void Tick_conversion_round_trips_at_the_pc_input_clock()
    {
        PitTime.TicksAt(1_000_000_000).Should().Be(1_193_182);
        PitTime.TicksAt(PitTime.NsOfTick(65536)).Should().Be(65536);
        PitTime.TicksAt(PitTime.NsOfTick(65536) - 1).Should().Be(65535);
    }

    [Fact]
    public void Mode2_fires_irq0_once_per_period_of_virtual_time()
    {
        Program(0, 2, 1193);
        long edges = _irq0.RisingEdges;
        _pit.NextDeadlineNs.Should().Be(PitTime.NsOfTick(1193));

        AtTick(1192);
        _irq0.RisingEdges.Should().Be(edges);
        AtTick(1193);
        _irq0.RisingEdges.Should().Be(edges + 1);
        _irq0.Level.Should().BeTrue();
        _pit.NextDeadlineNs.Should().Be(PitTime.NsOfTick(2 * 1193));
        AtTick(10 * 1193);
        _irq0.RisingEdges.Should().Be(edges + 2); // many periods elapsed at once still give one edge
        _pit.NextDeadlineNs.Should().Be(PitTime.NsOfTick(11 * 1193));
    }

    [Fact]
    public void Mode2_counter_reads_follow_virtual_time_and_reload()
    {
        Program(0, 2, 10000);
        _clock.NowNs = PitTime.NsOfTick(2500);
        ReadCounter(0).Should().Be(7500);
        _clock.NowNs = PitTime.NsOfTick(10000 + 1);
        ReadCounter(0).Should().Be(9999);
    }

    [Fact]
    public void Mode3_is_a_square_wave_high_then_low()
    {
        Program(0, 3, 1000);
        _irq0.Level.Should().BeTrue();
        _pit.NextDeadlineNs.Should().Be(PitTime.NsOfTick(500));
        AtTick(499);
        _irq0.Level.Should().BeTrue();
        AtTick(500);
        _irq0.Level.Should().BeFalse();
        long edges = _irq0.RisingEdges;
        _pit.NextDeadlineNs.Should().Be(PitTime.NsOfTick(1000));
        AtTick(1000);
        _irq0.Level.Should().BeTrue();
        _irq0.RisingEdges.Should().Be(edges + 1);
    }

    [Fact]
    public void Count_zero_means_65536()
    {
        Program(0, 2, 0);
        _pit.NextDeadlineNs.Should().Be(PitTime.NsOfTick(65536));
        _clock.NowNs = PitTime.NsOfTick(1);
        ReadCounter(0).Should().Be(65535);
    }

    [Fact]
    public void Latch_freezes_the_count_until_read()
    {
        Program(0, 2, 5000);
        _clock.NowNs = PitTime.NsOfTick(1000);
        Out(0x43, 0x00); // latch channel 0
        _clock.NowNs = PitTime.NsOfTick(3000);
        Out(0x43, 0x00); // a second latch before reading is ignored
        ReadCounter(0).Should().Be(4000);
        ReadCounter(0).Should().Be(2000);
    }

    [Fact]
    public void Lobyte_and_hibyte_access_modes()
    {
        Out(0x43, 0x94); // channel 2, lobyte only, mode 2
        Out(0x61, 0x01); // gate 2 on
        Out(0x42, 100);
        _clock.NowNs = PitTime.NsOfTick(40);
        In(0x42).Should().Be(60);
        In(0x42).Should().Be(60);

        Out(0x43, 0x64); // channel 1, hibyte only, mode 2
        Out(0x41, 0x10); // count 0x1000
        _clock.NowNs += PitTime.NsOfTick(0x100) + 1;
        In(0x41).Should().Be(0x0F);
    }

    [Fact]
    public void Mode0_output_goes_high_at_terminal_count_and_stays()
    {
        Program(0, 0, 300);
        _irq0.Level.Should().BeFalse();
        AtTick(299);
        _irq0.Level.Should().BeFalse();
        AtTick(300);
        _irq0.Level.Should().BeTrue();
        _pit.NextDeadlineNs.Should().Be(long.MaxValue);
        _clock.NowNs = PitTime.NsOfTick(310);
        ReadCounter(0).Should().Be(0xFFF6); // the counter wraps and keeps counting
    }

    [Fact]
    public void Mode0_rewrite_restarts_the_count_and_drops_output()
    {
        Program(0, 0, 100);
        AtTick(150);
        _irq0.Level.Should().BeTrue();
        Out(0x40, 50);
        _irq0.Level.Should().BeFalse(); // first byte stops the count
        Out(0x40, 0);
        AtTick(199);
        _irq0.Level.Should().BeFalse();
        AtTick(200);
        _irq0.Level.Should().BeTrue();
    }

    [Fact]
    public void Mode4_strobes_once()
    {
        Program(0, 4, 100);
        long edges = _irq0.RisingEdges;
        AtTick(100);
        _irq0.Level.Should().BeFalse();
        AtTick(101);
        _irq0.Level.Should().BeTrue();
        _irq0.RisingEdges.Should().Be(edges + 1);
        _pit.NextDeadlineNs.Should().Be(long.MaxValue);
    }

    [Fact]
    public void Read_back_latches_status_then_count()
    {
        Program(2, 0, 1000);
        Out(0x43, 0xC8); // read-back channel 2: count and status
        In(0x42).Should().Be(0x30); // OUT low, count loaded, lobyte/hibyte, mode 0, binary
        ReadCounter(2).Should().Be(1000); // gate 2 is low: the count holds
    }

    [Fact]
    public void Channel2_gate_and_out_through_port_61()
    {
        Program(2, 0, 500);
        In(0x61).Should().Be(0x00);
        _clock.NowNs = PitTime.NsOfTick(1000);
        ReadCounter(2).Should().Be(500); // gate low holds mode 0
        Out(0x61, 0x03);                 // gate on, speaker on
        _clock.NowNs = PitTime.NsOfTick(1499);
        (In(0x61) & 0x20).Should().Be(0);
        _clock.NowNs = PitTime.NsOfTick(1500);
        (In(0x61) & 0x23).Should().Be(0x23);
    }

    [Fact]
    public void Port_61_refresh_bit_toggles_every_15_us()
    {
        _clock.NowNs = 0;
        int first = In(0x61) & 0x10;
        _clock.NowNs = SystemControlPortB.RefreshToggleNs;
        (In(0x61) & 0x10).Should().NotBe(first);
        _clock.NowNs = 2 * SystemControlPortB.RefreshToggleNs;
        (In(0x61) & 0x10).Should().Be(first);
    }

    [Fact]
    public void Control_port_reads_float()
    {
        In(0x43).Should().Be(0xFF);
    }
}
