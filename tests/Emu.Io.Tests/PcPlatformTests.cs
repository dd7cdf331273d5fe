using Emu.Io.Pit;
using Emu.Io.Platform;

namespace Emu.Io.Tests;

/// <summary>Devices wired together through the buses and the PIC, as the hypervisor will use them.</summary>
public class PcPlatformTests
{
    private readonly GuestMemory _memory = new();
    private readonly VirtualClock _clock = new();
    private readonly PcPlatform _pc;

    public PcPlatformTests()
    {
        _pc = new PcPlatform(_memory, _clock);
        // What a BIOS does: PIC vectors 08h/70h, everything unmasked.
        foreach (var (port, value) in new (ushort, byte)[]
        {
            (0x20, 0x11), (0x21, 0x08), (0x21, 0x04), (0x21, 0x01),
            (0xA0, 0x11), (0xA1, 0x70), (0xA1, 0x02), (0xA1, 0x01),
            (0x21, 0x00), (0xA1, 0x00),
        })
            Out(port, value);
    }

    private void Out(ushort port, byte value) => _pc.Ports.Write(port, 1, value);
    private byte In(ushort port) => (byte)_pc.Ports.Read(port, 1);

    [Fact]
    public void Pit_tick_reaches_the_cpu_as_vector_08()
    {
        Out(0x43, 0x34);
        Out(0x40, 0x00);
        Out(0x40, 0x00); // 18.2 Hz, as the BIOS programs it
        Out(0x20, 0x20); // discard the edge from programming
        while (_pc.Pic.Intr)
        {
            _pc.Pic.Acknowledge();
            Out(0x20, 0x20);
        }

        long deadline = _pc.TimedDevices.NextDeadlineNs;
        deadline.Should().Be(PitTime.NsOfTick(65536));
        _clock.NowNs = deadline;
        _pc.TimedDevices.AdvanceTo(deadline);
        _pc.Pic.Intr.Should().BeTrue();
        _pc.Pic.Acknowledge().Should().Be(0x08);
    }

    [Fact]
    public void Serial_thre_interrupt_reaches_the_cpu_as_vector_0c()
    {
        var sink = new List<byte>();
        _pc.Com1.Output = sink.Add;
        Out(0x3FC, 0x08);
        Out(0x3F9, 0x02);
        _pc.Pic.Acknowledge().Should().Be(0x0C);
        In(0x3FA).Should().Be(0x02);
        Out(0x3F8, (byte)'!');
        sink.Should().Equal((byte)'!');
    }

    [Fact]
    public void Keyboard_input_reaches_the_cpu_as_vector_09()
    {
        _pc.Keyboard.EnqueueText("x");
        _pc.Pic.Acknowledge().Should().Be(0x09);
        In(0x60).Should().Be(0x2D);
    }

    [Fact]
    public void Rtc_periodic_interrupt_arrives_through_the_slave_as_vector_70()
    {
        Out(0x70, 0x0B);
        Out(0x71, 0x42);
        long deadline = _pc.TimedDevices.NextDeadlineNs;
        _clock.NowNs = deadline;
        _pc.TimedDevices.AdvanceTo(deadline);
        _pc.Pic.Acknowledge().Should().Be(0x70);
    }

    [Fact]
    public void Both_reset_sources_reach_one_callback_and_a20_has_two_gates()
    {
        int resets = 0;
        var memory = new GuestMemory();
        var pc = new PcPlatform(memory, new VirtualClock(), resetRequested: () => resets++);
        pc.Ports.Write(0x64, 1, 0xFE);
        pc.Ports.Write(0x92, 1, 0x01);
        resets.Should().Be(2);
        pc.Ports.Write(0x92, 1, 0x02);
        memory.A20Enabled.Should().BeTrue();
        pc.Ports.Write(0x64, 1, 0xD0);
        (pc.Ports.Read(0x60, 1) & 0x02).Should().Be(0x02u);
    }

    [Fact]
    public void Unassigned_ports_float()
    {
        In(0x80).Should().Be(0xFF);
        _pc.Ports.UnclaimedReads.Should().Be(1);
    }
}

public class GuestInputRobustnessTests
{
    [Fact]
    public void Random_port_traffic_never_throws()
    {
        var memory = new GuestMemory();
        var clock = new VirtualClock();
        var pc = new PcPlatform(memory, clock);
        pc.Com1.Output = _ => { };
        pc.DebugConsole.Output = _ => { };
        var rng = new Random(1234);
        ushort[] ports = [0x20, 0x21, 0xA0, 0xA1, 0x40, 0x41, 0x42, 0x43, 0x60, 0x61, 0x64, 0x70, 0x71, 0x92, 0xE9, 0xF4, 0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC, 0x3FD, 0x3FE, 0x3FF];
        int[] widths = [1, 2, 4];
        for (int i = 0; i < 200_000; i++)
        {
            ushort port = ports[rng.Next(ports.Length)];
            int width = widths[rng.Next(widths.Length)];
            if (rng.Next(2) == 0)
                pc.Ports.Write(port, width, (uint)rng.Next());
            else
                pc.Ports.Read(port, width);
            if (rng.Next(16) == 0)
            {
                clock.Advance(rng.Next(2_000_000));
                pc.TimedDevices.AdvanceTo(clock.NowNs);
            }
            if (pc.Pic.Intr && rng.Next(4) == 0)
                pc.Pic.Acknowledge();
            if (rng.Next(1000) == 0)
                pc.Keyboard.EnqueueText("ok\n");
        }
        pc.Ports.UnclaimedReads.Should().BeGreaterThan(0); // wide accesses to byte ports
    }
}
