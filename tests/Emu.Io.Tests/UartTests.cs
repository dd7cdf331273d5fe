using System.Text;
using Emu.Io.Serial;
using Emu.Tests.Shared;

namespace Emu.Io.Tests;

[Collection(AllocationCounting.Name)]
public class UartTests
{
    private const ushort Base = 0x3F8;
    private const ushort Thr = Base, Ier = Base + 1, Iir = Base + 2, Fcr = Base + 2, Lcr = Base + 3, Mcr = Base + 4, Lsr = Base + 5, Msr = Base + 6, Scr = Base + 7;

    private readonly IrqLine _irq = new(4);
    private readonly Uart16550 _uart;
    private readonly PortBus _bus = new();
    private readonly List<byte> _sink = [];

    public UartTests()
    {
        _uart = new Uart16550("com1", _irq) { Output = _sink.Add };
        _bus.Register(Base, 8, _uart);
    }

    private void Out(ushort port, byte value) => _bus.Write(port, 1, value);
    private byte In(ushort port) => (byte)_bus.Read(port, 1);

    [Fact]
    public void Reset_state_reads_as_an_idle_16550()
    {
        In(Iir).Should().Be(0x01);
        In(Lsr).Should().Be(0x60);
        In(Lcr).Should().Be(0x00);
        In(Mcr).Should().Be(0x00);
        In(Msr).Should().Be(0xB0);
        In(Ier).Should().Be(0x00);
        _irq.Level.Should().BeFalse();
    }

    [Fact]
    public void Divisor_latch_is_behind_dlab()
    {
        Out(Lcr, 0x83);
        Out(Base, 0x01);
        Out(Base + 1, 0x00);
        In(Base).Should().Be(0x01);
        In(Base + 1).Should().Be(0x00);
        _uart.BaudRate.Should().Be(115200);
        Out(Lcr, 0x03);
        Out(Ier, 0x05);
        In(Ier).Should().Be(0x05);
        Out(Lcr, 0x83);
        In(Base + 1).Should().Be(0x00);
        _sink.Should().BeEmpty();
    }

    [Fact]
    public void Scratch_register_holds_a_byte()
    {
        Out(Scr, 0x5A);
        In(Scr).Should().Be(0x5A);
    }

    [Fact]
    public void Thr_writes_go_to_the_sink_without_allocating()
    {
        var bytes = new List<byte>(2000);
        var uart = new Uart16550() { Output = bytes.Add };
        var bus = new PortBus();
        bus.Register(Base, 8, uart);
        bus.Write(Thr, 1, (byte)'H');
        int rounds = 0;
        AllocationCounting.SteadyStateBytes(() =>
        {
            rounds++;
            for (int i = 0; i < 1000; i++)
                bus.Write(Thr, 1, (byte)'i');
        }).Should().Be(0);
        bytes.Should().HaveCount(1 + 1000 * rounds);
        bytes[0].Should().Be((byte)'H');
    }

    [Fact]
    public void Thre_interrupt_follows_16550_rules()
    {
        Out(Mcr, 0x08); // OUT2: IRQ reaches the PIC
        _irq.Level.Should().BeFalse();
        Out(Ier, 0x02); // enabling ETBEI with THR empty raises THRE
        _irq.Level.Should().BeTrue();
        In(Iir).Should().Be(0x02);
        _irq.Level.Should().BeFalse(); // reading IIR that reported THRE cleared it
        In(Iir).Should().Be(0x01);

        Out(Thr, (byte)'a'); // the byte leaves at once; THR empties again
        _irq.Level.Should().BeTrue();
        In(Lsr).Should().Be(0x60);
        Out(Ier, 0x02); // rewriting the same IER is not a new enable
        In(Iir).Should().Be(0x02);
        Out(Ier, 0x02);
        In(Iir).Should().Be(0x01);
        _sink.Should().Equal((byte)'a');
    }

    [Fact]
    public void Thre_is_reasserted_when_etbei_is_enabled_again_as_linux_checks()
    {
        Out(Ier, 0x02);
        In(Iir).Should().Be(0x02);
        Out(Ier, 0x00);
        Out(Ier, 0x02);
        In(Iir).Should().Be(0x02);
    }

    [Fact]
    public void Out2_gates_the_irq_line()
    {
        Out(Ier, 0x02);
        _irq.Level.Should().BeFalse();
        Out(Mcr, 0x08);
        _irq.Level.Should().BeTrue();
        Out(Mcr, 0x00);
        _irq.Level.Should().BeFalse();
    }

    [Fact]
    public void Received_bytes_set_dr_and_raise_rx_interrupt_without_fifo()
    {
        Out(Mcr, 0x08);
        Out(Ier, 0x01);
        _uart.EnqueueInput("AB"u8);
        _irq.Level.Should().BeTrue();
        In(Lsr).Should().Be(0x61);
        In(Iir).Should().Be(0x04);
        _uart.PendingInput.Should().Be(1); // a 1-byte holding register without FIFO
        In(Base).Should().Be((byte)'A');
        In(Base).Should().Be((byte)'B');
        In(Lsr).Should().Be(0x60);
        In(Iir).Should().Be(0x01);
        _irq.Level.Should().BeFalse();
    }

    [Fact]
    public void Fifo_trigger_level_and_timeout_indication()
    {
        Out(Fcr, 0xC7); // FIFO on, clear both, trigger at 14
        Out(Ier, 0x01);
        In(Iir).Should().Be(0xC1);
        _uart.EnqueueInput(Encoding.ASCII.GetBytes("0123456789abcdefghij"));
        _uart.PendingInput.Should().Be(4);
        In(Iir).Should().Be(0xC4);
        var got = new List<byte>();
        for (int i = 0; i < 7; i++)
            got.Add(In(Base));
        // 4 refilled from the host, 16 - 7 + 4 = 13 left: below trigger, character timeout.
        _uart.PendingInput.Should().Be(0);
        In(Iir).Should().Be(0xCC);
        while ((In(Lsr) & 1) != 0)
            got.Add(In(Base));
        Encoding.ASCII.GetString(got.ToArray()).Should().Be("0123456789abcdefghij");
        In(Iir).Should().Be(0xC1);
    }

    [Fact]
    public void Fcr_clear_receive_fifo_drops_data()
    {
        Out(Fcr, 0x01);
        _uart.EnqueueInput("xyz"u8);
        Out(Fcr, 0x03);
        In(Lsr).Should().Be(0x60);
    }

    [Fact]
    public void Loopback_returns_written_bytes_and_maps_modem_lines()
    {
        Out(Mcr, 0x1A); // loopback, RTS, OUT2: Linux's autoconfig expects MSR & 0xF0 == 0x90
        (In(Msr) & 0xF0).Should().Be(0x90);
        Out(Thr, 0x55);
        _sink.Should().BeEmpty();
        In(Lsr).Should().Be(0x61);
        In(Base).Should().Be(0x55);
        Out(Mcr, 0x1F);
        (In(Msr) & 0xF0).Should().Be(0xF0);
    }

    [Fact]
    public void Host_input_waits_while_in_loopback()
    {
        Out(Mcr, 0x10);
        _uart.EnqueueInput((byte)'h');
        In(Lsr).Should().Be(0x60);
        Out(Mcr, 0x00);
        In(Base).Should().Be((byte)'h');
    }

    [Fact]
    public void Overrun_without_fifo_overwrites_and_sets_oe_until_lsr_is_read()
    {
        Out(Mcr, 0x10);
        Out(Thr, 1);
        Out(Thr, 2);
        In(Lsr).Should().Be(0x63);
        In(Lsr).Should().Be(0x61);
        In(Base).Should().Be(2);
    }

    [Fact]
    public void Overrun_with_fifo_keeps_the_first_sixteen_and_raises_line_status_first()
    {
        Out(Fcr, 0x01);
        Out(Ier, 0x05);
        Out(Mcr, 0x10);
        for (int i = 0; i < 17; i++)
            Out(Thr, (byte)i);
        In(Iir).Should().Be(0xC6); // line status outranks received data
        (In(Lsr) & 0x03).Should().Be(0x03);
        In(Iir).Should().Be(0xC4);
        for (int i = 0; i < 16; i++)
            In(Base).Should().Be((byte)i);
        In(Lsr).Should().Be(0x60);
    }

    [Fact]
    public void Modem_status_interrupt_on_line_change_cleared_by_reading_msr()
    {
        Out(Ier, 0x08);
        Out(Mcr, 0x10); // loopback: CTS, DSR, DCD drop
        In(Iir).Should().Be(0x00);
        In(Msr).Should().Be(0x0B); // DCTS, DDSR, DDCD, lines all low
        In(Iir).Should().Be(0x01);
        Out(Mcr, 0x14); // OUT1 raises RI: not a TERI edge
        In(Msr).Should().Be(0x40);
        Out(Mcr, 0x10); // RI falls: trailing edge
        In(Msr).Should().Be(0x04);
    }
}
