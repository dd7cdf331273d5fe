using Emu.Io.A20;

namespace Emu.Io.Tests;

public class A20Tests
{
    private readonly GuestMemory _memory = new();
    private readonly SystemControlPortA _port;
    private readonly PortBus _bus = new();
    private int _resets;

    public A20Tests()
    {
        _port = new SystemControlPortA(_memory) { ResetRequested = () => _resets++ };
        _bus.Register(0x92, 1, _port);
    }

    [Fact]
    public void Bit1_drives_the_a20_gate_and_reads_back()
    {
        _bus.Read(0x92, 1).Should().Be(0x00u);
        _bus.Write(0x92, 1, 0x02);
        _memory.A20Enabled.Should().BeTrue();
        _bus.Read(0x92, 1).Should().Be(0x02u);
        _bus.Write(0x92, 1, 0x00);
        _memory.A20Enabled.Should().BeFalse();
    }

    [Fact]
    public void Reads_reflect_the_gate_when_someone_else_changed_it()
    {
        _memory.A20Enabled = true;
        (_bus.Read(0x92, 1) & 0x02).Should().Be(0x02u);
    }

    [Fact]
    public void Bit0_rising_requests_a_reset_and_reads_back_zero()
    {
        _bus.Write(0x92, 1, 0x03);
        _resets.Should().Be(1);
        _memory.A20Enabled.Should().BeTrue();
        _bus.Read(0x92, 1).Should().Be(0x02u);
        _bus.Write(0x92, 1, 0x02);
        _resets.Should().Be(1);
        _bus.Write(0x92, 1, 0x01);
        _resets.Should().Be(2);
    }
}
