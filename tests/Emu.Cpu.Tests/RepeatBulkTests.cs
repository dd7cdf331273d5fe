using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// REP MOVS and REP STOS over plain RAM move many elements at once (StringOps' bulk path). What a guest can
/// see must be what the element-by-element loop gives: overlapping copies, code overwritten ahead, the exact
/// retired count at a budget, an interrupt waiting when the instruction starts, an offset that wraps.
/// </summary>
public class RepeatBulkTests
{
    [Fact]
    public void Rep_movsb_onto_the_byte_above_its_source_spreads_the_first_byte()
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(si, 0x3000);
            a.mov(di, 0x3001);
            a.mov(cx, 100);
            a.rep.movsb();
            a.hlt();
        });
        for (int i = 0; i <= 100; i++)
            m.Memory.Bytes[0x3000 + i] = (byte)(i + 1);

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Memory.Bytes.Slice(0x3000, 101).ToArray().Should().AllBeEquivalentTo((byte)1);
        (m.Cpu.SI, m.Cpu.DI, m.Cpu.CX).Should().Be(((ushort)0x3064, (ushort)0x3065, (ushort)0));
    }

    // Zero is cleared and other values filled by different code (StringOps.StosBulk): each size, each kind of value,
    // and a low byte of zero under a non-zero element.
    [Theory]
    [InlineData(1, 0x7700u)]
    [InlineData(1, 0x0041u)]
    [InlineData(2, 0x0000u)]
    [InlineData(2, 0x0100u)]
    [InlineData(2, 0x4141u)]
    [InlineData(4, 0x0000_0000u)]
    [InlineData(4, 0x0001_0000u)]
    [InlineData(4, 0x1234_5678u)]
    public void Rep_stos_stores_the_accumulator_in_every_element_and_nothing_past_them(int size, uint eax)
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(di, 0x3000);
            a.mov(cx, 100);
            switch (size)
            {
                case 1: a.rep.stosb(); break;
                case 2: a.rep.stosw(); break;
                default: a.rep.stosd(); break;
            }
            a.hlt();
        });
        m.Memory.Bytes.Slice(0x2FFE, 100 * size + 4).Fill(0xEE);
        m.Cpu.Eax = eax;

        m.RunToHalt().Should().Be(StopReason.Halt);

        byte[] element = BitConverter.GetBytes(eax)[..size];
        for (int i = 0; i < 100; i++)
            m.Memory.Bytes.Slice(0x3000 + i * size, size).ToArray().Should().Equal(element, "element {0}", i);
        m.Memory.Bytes.Slice(0x2FFE, 2).ToArray().Should().Equal(0xEE, 0xEE);
        m.Memory.Bytes.Slice(0x3000 + 100 * size, 2).ToArray().Should().Equal(0xEE, 0xEE);
        (m.Cpu.DI, m.Cpu.CX).Should().Be(((ushort)(0x3000 + 100 * size), (ushort)0));
    }

    [Fact]
    public void Rep_stosw_over_code_that_already_ran_leaves_the_new_bytes_to_run()
    {
        // Pass 1 stores nothing (CX = 0) and runs the four INC BX; pass 2 stores four NOPs over them.
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            var top = a.CreateLabel();
            var incs = a.CreateLabel();
            a.mov(bp, 2);
            a.xor(cx, cx);
            a.Label(ref top);
            a.mov(di, 0);      // patched below: the address of the INCs
            a.rep.stosw();
            a.Label(ref incs);
            a.inc(bx);
            a.inc(bx);
            a.inc(bx);
            a.inc(bx);
            a.mov(cx, 2);
            a.dec(bp);
            a.jnz(top);
            a.hlt();
        });
        // mov bp,2 (3) ; xor cx,cx (2) ; mov di,imm16 (3, immediate at 0x106) ; rep stosw (2) ; the INCs at 0x10A
        m.Memory.Load(CoreMachine.CodeOffset + 6, [0x0A, 0x01]);
        m.Cpu.AX = 0x9090;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.BX.Should().Be(4, "pass 2 ran the NOPs its REP STOSW wrote");
    }

    [Fact]
    public void A_budget_ending_inside_rep_movsw_stops_after_exactly_that_many_elements()
    {
        for (int budget = 4; budget < 40; budget += 7)
        {
            var m = new CoreMachine(CpuModel.I386, a =>
            {
                a.mov(si, 0x3000);
                a.mov(di, 0x4000);
                a.mov(cx, 1000);
                a.rep.movsw();
                a.hlt();
            });

            m.Cpu.Run(budget).Should().Be(StopReason.InstructionLimit);

            int elements = budget - 3;
            m.Cpu.Retired.Should().Be(budget);
            m.Cpu.CX.Should().Be((ushort)(1000 - elements), $"a budget of {budget}");
            m.Cpu.DI.Should().Be((ushort)(0x4000 + 2 * elements));
            m.Cpu.IP.Should().Be(CoreMachine.CodeOffset + 9, "IP stays on the suspended REP MOVSW");
        }
    }

    [Fact]
    public void An_interrupt_waiting_when_rep_stosb_starts_is_taken_after_one_element()
    {
        // The request waits from the start; STI's shadow lets REP STOSB begin, and it must stop after one element.
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(di, 0x3000);
            a.mov(cx, 500);
            a.sti();
            a.rep.stosb();
            a.hlt();
        });
        m.Memory.Load(0x9100, [0xF4]);
        m.Memory.Load(0x20 * 4, [0x00, 0x91, 0x00, 0x00]);
        m.Cpu.InterruptController = new Vector20();
        m.Cpu.SetInterruptLine(true);

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.IP.Should().Be(0x9101, "the handler halted");
        m.Cpu.CX.Should().Be(499, "one element, then the interrupt");
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 7, "the pushed IP is the REP STOSB's own");
    }

    private sealed class Vector20 : IInterruptAcknowledge
    {
        public int Acknowledge() => 0x20;
    }

    [Fact]
    public void Rep_stosw_that_reaches_offset_FFFF_on_the_8086_wraps_inside_the_segment()
    {
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            a.mov(ax, 0x2000);
            a.mov(es, ax);
            a.mov(di, unchecked((short)0xFFF0));
            a.mov(cx, 10);
            a.mov(ax, 0x1234);
            a.rep.stosw();
            a.hlt();
        });

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Memory.Read16(0x2FFFE).Should().Be(0x1234);
        m.Memory.Read16(0x20000).Should().Be(0x1234, "the words after offset FFFF land at the segment's start");
        m.Memory.Read16(0x20002).Should().Be(0x1234);
        m.Memory.Read16(0x20004).Should().Be(0);
        m.Cpu.DI.Should().Be(4);
    }
}
