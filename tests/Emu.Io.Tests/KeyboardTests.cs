using Emu.Io.Keyboard;

namespace Emu.Io.Tests;

public class KeyboardTests
{
    private readonly GuestMemory _memory = new();
    private readonly IrqLine _irq1 = new(1);
    private readonly I8042Controller _kbc;
    private readonly PortBus _bus = new();
    private int _resets;

    public KeyboardTests()
    {
        _kbc = new I8042Controller(_memory, _irq1) { ResetRequested = () => _resets++ };
        _bus.Register(0x60, 1, _kbc, I8042Controller.DataOffset);
        _bus.Register(0x64, 1, _kbc, I8042Controller.CommandOffset);
    }

    private void Out(ushort port, byte value) => _bus.Write(port, 1, value);
    private byte In(ushort port) => (byte)_bus.Read(port, 1);
    private byte Status => In(0x64);

    private List<byte> Drain()
    {
        var bytes = new List<byte>();
        while ((Status & 0x01) != 0)
            bytes.Add(In(0x60));
        return bytes;
    }

    [Fact]
    public void Power_on_status_is_empty_with_sys_clear()
    {
        Status.Should().Be(0x10);
        _irq1.Level.Should().BeFalse();
    }

    [Fact]
    public void Self_test_answers_55_and_sets_the_system_flag()
    {
        Out(0x64, 0xAA);
        Status.Should().Be(0x1D); // OBF, SYS, last write was a command, not inhibited
        In(0x60).Should().Be(0x55);
        (Status & 0x01).Should().Be(0);
        Out(0x64, 0xAB);
        Drain().Should().Equal(0x00);
    }

    [Fact]
    public void Command_byte_reads_and_writes()
    {
        Out(0x64, 0x20);
        In(0x60).Should().Be(0x41);
        Out(0x64, 0x60);
        Out(0x60, 0x65);
        (Status & 0x0C).Should().Be(0x04); // SYS follows bit 2; A2 clear after a data write
        Out(0x64, 0x20);
        In(0x60).Should().Be(0x65);
        Out(0x64, 0xAD);
        Out(0x64, 0x20);
        In(0x60).Should().Be(0x75);
        Out(0x64, 0xAE);
        _kbc.CommandByte.Should().Be(0x65);
    }

    [Fact]
    public void Output_port_carries_the_a20_gate_and_reset_line()
    {
        Out(0x64, 0xD0);
        (In(0x60) & 0x03).Should().Be(0x01);
        Out(0x64, 0xD1);
        Out(0x60, 0xDF);
        _memory.A20Enabled.Should().BeTrue();
        Out(0x64, 0xD0);
        (In(0x60) & 0x03).Should().Be(0x03);
        Out(0x64, 0xD1);
        Out(0x60, 0xDD);
        _memory.A20Enabled.Should().BeFalse();
        _resets.Should().Be(0);
        Out(0x64, 0xDF);
        _memory.A20Enabled.Should().BeTrue();
    }

    [Fact]
    public void Command_fe_pulses_reset()
    {
        Out(0x64, 0xFE);
        _resets.Should().Be(1);
        Out(0x64, 0xFF);
        _resets.Should().Be(1);
    }

    [Fact]
    public void Keyboard_reset_answers_ack_then_self_test_passed()
    {
        Out(0x60, 0xFF);
        Drain().Should().Equal(0xFA, 0xAA);
    }

    [Fact]
    public void Identify_answers_ab_41_through_translation_and_ab_83_without()
    {
        Out(0x60, 0xF2);
        Drain().Should().Equal(0xFA, 0xAB, 0x41);
        Out(0x64, 0x60);
        Out(0x60, 0x01); // translation off
        Out(0x60, 0xF2);
        Drain().Should().Equal(0xFA, 0xAB, 0x83);
    }

    [Fact]
    public void Leds_enable_disable_and_echo()
    {
        Out(0x60, 0xED);
        Drain().Should().Equal(0xFA);
        Out(0x60, 0x04);
        Drain().Should().Equal(0xFA);
        _kbc.Keyboard.Leds.Should().Be(0x04);
        Out(0x60, 0xF5);
        Drain().Should().Equal(0xFA);
        _kbc.Keyboard.ScanningEnabled.Should().BeFalse();
        Out(0x60, 0xF4);
        Drain().Should().Equal(0xFA);
        Out(0x60, 0xEE);
        Drain().Should().Equal(0xEE);
        Out(0x60, 0x12);
        Drain().Should().Equal(0xFE);
    }

    [Fact]
    public void Irq1_rises_for_each_byte_placed_in_the_output_buffer()
    {
        _kbc.EnqueueText("a");
        _irq1.Level.Should().BeTrue();
        In(0x60).Should().Be(0x1E);
        _irq1.Level.Should().BeTrue(); // the break code followed at once: a new edge
        _irq1.RisingEdges.Should().Be(2);
        In(0x60).Should().Be(0x9E);
        _irq1.Level.Should().BeFalse();
    }

    [Fact]
    public void No_irq1_when_the_command_byte_disables_it()
    {
        Out(0x64, 0x60);
        Out(0x60, 0x40);
        _kbc.EnqueueText("a");
        (Status & 0x01).Should().Be(1);
        _irq1.Level.Should().BeFalse();
    }

    [Fact]
    public void Text_becomes_set1_make_break_with_shift_for_capitals_and_symbols()
    {
        _kbc.EnqueueText("Hi!\n");
        _kbc.Keyboard.PendingScancodes.Should().Be(11); // 12 codes, the first already in the output buffer
        Drain().Should().Equal(
            0x2A, 0x23, 0xA3, 0xAA,  // H
            0x17, 0x97,              // i
            0x2A, 0x02, 0x82, 0xAA,  // !
            0x1C, 0x9C);             // Enter
        _kbc.Keyboard.PendingScancodes.Should().Be(0);
    }

    [Fact]
    public void Scancodes_are_offered_one_at_a_time()
    {
        _kbc.EnqueueText("ab");
        _kbc.Keyboard.PendingScancodes.Should().Be(3);
        Status.Should().Be(0x11);
        In(0x60).Should().Be(0x1E);
        _kbc.Keyboard.PendingScancodes.Should().Be(2);
    }

    [Fact]
    public void Disabled_keyboard_holds_scripted_input_and_controller_replies_come_first()
    {
        Out(0x64, 0xAD);
        _kbc.EnqueueText("z");
        (Status & 0x01).Should().Be(0);
        Out(0x64, 0xAA);
        Drain().Should().Equal(0x55);
        Out(0x64, 0xAE);
        Drain().Should().Equal(0x2C, 0xAC);
    }

    [Fact]
    public void Unmappable_characters_are_skipped()
    {
        _kbc.EnqueueText("é\r");
        _kbc.Keyboard.PendingScancodes.Should().Be(0);
        ScancodeSet1.TryGetKey('~', out byte make, out bool shift).Should().BeTrue();
        make.Should().Be(0x29);
        shift.Should().BeTrue();
    }
}
