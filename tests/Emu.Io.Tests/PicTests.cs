using Emu.Io.Pic;

namespace Emu.Io.Tests;

public class PicTests
{
    private readonly PortBus _bus = new();
    private readonly PicPair _pic;
    private readonly List<bool> _intrEdges = [];

    public PicTests()
    {
        _pic = new PicPair(level => _intrEdges.Add(level));
        _bus.Register(0x20, 2, _pic.Master);
        _bus.Register(0xA0, 2, _pic.Slave);
    }

    private void Out(ushort port, byte value) => _bus.Write(port, 1, value);
    private byte In(ushort port) => (byte)_bus.Read(port, 1);

    /// <summary>The initialisation a PC BIOS performs: vectors 08h and 70h, cascade on IR2, 8086 mode.</summary>
    private void InitLikeBios(byte masterIcw4 = 0x01)
    {
        Out(0x20, 0x11); Out(0x21, 0x08); Out(0x21, 0x04); Out(0x21, masterIcw4);
        Out(0xA0, 0x11); Out(0xA1, 0x70); Out(0xA1, 0x02); Out(0xA1, 0x01);
        Out(0x21, 0x00); Out(0xA1, 0x00);
    }

    private void Pulse(int irq)
    {
        _pic.GetLine(irq).Raise();
        _pic.GetLine(irq).Lower();
    }

    [Fact]
    public void Uninitialised_pic_raises_nothing_and_acknowledge_gives_minus_one()
    {
        Pulse(0);
        _pic.Intr.Should().BeFalse();
        _pic.Acknowledge().Should().Be(-1);
    }

    [Fact]
    public void Icw_sequence_programs_vector_bases_and_mask_reads_back()
    {
        InitLikeBios();
        _pic.Master.IsInitialized.Should().BeTrue();
        _pic.Master.VectorBase.Should().Be(0x08);
        _pic.Slave.VectorBase.Should().Be(0x70);
        Out(0x21, 0xB8);
        In(0x21).Should().Be(0xB8);
        Out(0xA1, 0x9F);
        In(0xA1).Should().Be(0x9F);
    }

    [Fact]
    public void Edge_raises_intr_and_acknowledge_returns_vector_and_sets_isr()
    {
        InitLikeBios();
        _pic.GetLine(1).Raise();
        _pic.Intr.Should().BeTrue();
        Out(0x20, 0x0A); // OCW3: read IRR
        In(0x20).Should().Be(0x02);

        _pic.Acknowledge().Should().Be(0x09);
        _pic.Intr.Should().BeFalse();
        Out(0x20, 0x0B); // OCW3: read ISR
        In(0x20).Should().Be(0x02);
        Out(0x20, 0x0A);
        In(0x20).Should().Be(0x00);

        Out(0x20, 0x20); // non-specific EOI
        Out(0x20, 0x0B);
        In(0x20).Should().Be(0x00);
        _intrEdges.Should().Equal(true, false);
    }

    [Fact]
    public void Level_held_high_does_not_retrigger_until_a_new_edge()
    {
        InitLikeBios();
        var line = _pic.GetLine(0);
        line.Raise();
        _pic.Acknowledge().Should().Be(0x08);
        Out(0x20, 0x20);
        _pic.Intr.Should().BeFalse();
        line.Lower();
        line.Raise();
        _pic.Intr.Should().BeTrue();
    }

    [Fact]
    public void Lower_irq_number_has_priority_and_in_service_blocks_lower_priority()
    {
        InitLikeBios();
        Pulse(4);
        Pulse(1);
        _pic.Acknowledge().Should().Be(0x09);
        // IRQ4 is pending but lower priority than IRQ1 in service.
        _pic.Intr.Should().BeFalse();
        Pulse(0); // higher priority nests
        _pic.Intr.Should().BeTrue();
        _pic.Acknowledge().Should().Be(0x08);
        Out(0x20, 0x20); // EOI clears the highest in service: IRQ0
        _pic.Intr.Should().BeFalse();
        Out(0x20, 0x20); // now IRQ1
        _pic.Intr.Should().BeTrue();
        _pic.Acknowledge().Should().Be(0x0C);
    }

    [Fact]
    public void Specific_eoi_clears_only_the_named_level()
    {
        InitLikeBios();
        Pulse(3);
        _pic.Acknowledge().Should().Be(0x0B);
        Pulse(1);
        _pic.Acknowledge().Should().Be(0x09);
        Out(0x20, 0x63); // specific EOI for IR3
        Out(0x20, 0x0B);
        In(0x20).Should().Be(0x02);
    }

    [Fact]
    public void Masked_request_stays_pending_until_unmasked()
    {
        InitLikeBios();
        Out(0x21, 0x01);
        Pulse(0);
        _pic.Intr.Should().BeFalse();
        Out(0x20, 0x0A);
        In(0x20).Should().Be(0x01);
        Out(0x21, 0x00);
        _pic.Intr.Should().BeTrue();
        _pic.Acknowledge().Should().Be(0x08);
    }

    [Fact]
    public void Slave_interrupt_cascades_through_ir2_and_needs_two_eois()
    {
        InitLikeBios();
        Pulse(14);
        _pic.Intr.Should().BeTrue();
        _pic.Acknowledge().Should().Be(0x76);
        Out(0x20, 0x0B); In(0x20).Should().Be(0x04);
        Out(0xA0, 0x0B); In(0xA0).Should().Be(0x40);

        Pulse(1); // lower master IRQs than the cascade (IR2 in service) are blocked, IRQ1 is higher
        _pic.Intr.Should().BeTrue();
        _pic.Acknowledge().Should().Be(0x09);
        Out(0x20, 0x20);
        Out(0xA0, 0x20);
        Out(0x20, 0x20);
        Out(0x20, 0x0B); In(0x20).Should().Be(0x00);
        Out(0xA0, 0x0B); In(0xA0).Should().Be(0x00);
    }

    [Fact]
    public void Masking_the_cascade_input_masks_the_whole_slave()
    {
        InitLikeBios();
        Out(0x21, 0x04);
        Pulse(8);
        _pic.Intr.Should().BeFalse();
        Out(0x21, 0x00);
        _pic.Acknowledge().Should().Be(0x70);
    }

    [Fact]
    public void Request_that_vanished_gives_the_spurious_irq7_vector_without_in_service()
    {
        InitLikeBios();
        Pulse(5);
        _pic.Intr.Should().BeTrue();
        Out(0x21, 0x20); // masked between INTR and INTA
        _pic.Acknowledge().Should().Be(0x0F);
        _pic.SpuriousInterrupts.Should().Be(1);
        Out(0x20, 0x0B);
        In(0x20).Should().Be(0x00);
    }

    [Fact]
    public void Vanished_slave_request_gives_irq15_and_leaves_master_cascade_in_service()
    {
        InitLikeBios();
        Pulse(10);
        Out(0xA1, 0x04); // the slave's request is masked after it reached the master
        _pic.Acknowledge().Should().Be(0x77);
        Out(0xA0, 0x0B); In(0xA0).Should().Be(0x00);
        Out(0x20, 0x0B); In(0x20).Should().Be(0x04);
    }

    [Fact]
    public void Auto_eoi_leaves_nothing_in_service()
    {
        InitLikeBios(masterIcw4: 0x03);
        Pulse(6);
        _pic.Acknowledge().Should().Be(0x0E);
        Out(0x20, 0x0B);
        In(0x20).Should().Be(0x00);
    }

    [Fact]
    public void Set_priority_rotates_the_lowest_level()
    {
        InitLikeBios();
        Out(0x20, 0xC3); // IR3 lowest, so IR4 highest
        Pulse(1);
        Pulse(5);
        _pic.Acknowledge().Should().Be(0x0D);
    }

    [Fact]
    public void Poll_command_reads_the_level_and_acknowledges()
    {
        InitLikeBios();
        Pulse(3);
        Out(0x20, 0x0C);
        In(0x20).Should().Be(0x83);
        Out(0x20, 0x0B);
        In(0x20).Should().Be(0x08);
        Out(0x20, 0x0C);
        In(0x20).Should().Be(0x00);
    }

    [Fact]
    public void Icw1_clears_mask_and_requests()
    {
        InitLikeBios();
        Out(0x21, 0xFF);
        Pulse(1);
        Out(0x20, 0x11);
        In(0x21).Should().Be(0x00);
        Out(0x21, 0x20); Out(0x21, 0x04); Out(0x21, 0x01);
        _pic.Intr.Should().BeFalse();
        Pulse(1);
        _pic.Acknowledge().Should().Be(0x21);
    }
}
