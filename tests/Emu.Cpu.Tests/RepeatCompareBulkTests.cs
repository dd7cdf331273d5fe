using Emu.Memory;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// REPE/REPNE CMPS and SCAS over plain RAM search the spans at once (StringOps' bulk path) and take the flags
/// from the last element compared. What a guest sees must be what the element-by-element loop gives: the
/// element that ends the repetition, CX, SI, DI, all six status flags, the retired count at any budget, and the
/// loop's behaviour at a segment's edge or on ROM. The reference is the same program on a machine whose pages
/// are watched (a watched page is never plain RAM, so there every element goes through the loop).
/// </summary>
public class RepeatCompareBulkTests
{
    private const ushort SourceSegment = 0x1000, TargetSegment = 0x3000;

    private static readonly (string Name, Action<Assembler> Emit, int Size)[] Instructions =
    [
        ("repe cmpsb", a => a.repe.cmpsb(), 1),
        ("repe cmpsw", a => a.repe.cmpsw(), 2),
        ("repe cmpsd", a => a.repe.cmpsd(), 4),
        ("repne cmpsb", a => a.repne.cmpsb(), 1),
        ("repne cmpsw", a => a.repne.cmpsw(), 2),
        ("repe scasb", a => a.repe.scasb(), 1),
        ("repe scasw", a => a.repe.scasw(), 2),
        ("repne scasb", a => a.repne.scasb(), 1),
        ("repne scasw", a => a.repne.scasw(), 2),
        ("repne scasd", a => a.repne.scasd(), 4),
    ];

    [Theory]
    [InlineData(CpuModel.I8086)]
    [InlineData(CpuModel.I286)]
    [InlineData(CpuModel.I386)]
    public void Random_searches_end_where_the_element_loop_ends_with_the_same_flags_and_counts(CpuModel model)
    {
        var random = new Random(19 + (int)model);
        for (int round = 0; round < 400; round++)
        {
            var (name, emit, size) = Instructions[random.Next(Instructions.Length)];
            if (size == 4 && model != CpuModel.I386)
                continue;
            bool down = random.Next(2) == 0;
            // Offsets near both ends of the segment too: wrapping (8086) or a segment-limit fault (286, 386).
            ushort si = RandomOffset(random), di = RandomOffset(random);
            ushort cx = (ushort)(random.Next(4) == 0 ? random.Next(3) : random.Next(1, 700));
            uint accumulator = (uint)random.Next();
            uint flags = (uint)random.Next(0, 0x1000) & (CpuFlags.Status | CpuFlags.DF);
            byte[] source = Data(random), target = Data(random, source);
            string what = $"{name}, {(down ? "down" : "up")}, SI={si:X4} DI={di:X4} CX={cx}, round {round}";

            var bulk = Machine(model, emit, down, source, target, si, di, cx, accumulator, flags, watched: false);
            var loop = Machine(model, emit, down, source, target, si, di, cx, accumulator, flags, watched: true);
            for (int slice = 0; slice < 20 && !(bulk.Cpu.Halted && loop.Cpu.Halted); slice++)
            {
                long budget = random.Next(3) == 0 ? random.Next(1, 8) : random.Next(50, 2000);
                bulk.Cpu.Run(budget).Should().Be(loop.Cpu.Run(budget), what);
                State(bulk).Should().Be(State(loop), what);
            }
            bulk.Cpu.Halted.Should().BeTrue(what);
        }
    }

    [Fact]
    public void Repe_cmpsb_stopping_at_the_last_element_takes_its_flags_and_leaves_cx_zero()
    {
        var m = Machine(CpuModel.I386, a => a.repe.cmpsb(), down: false, [], [], si: 0x100, di: 0x200, cx: 300, 0, 0, false);
        m.Memory.Bytes.Slice(0x10100, 300).Fill(0x61);
        m.Memory.Bytes.Slice(0x30200, 300).Fill(0x61);
        m.Memory.Bytes[0x10100 + 299] = 0x10; // below the target's 0x61: the subtraction borrows

        m.RunToHalt().Should().Be(StopReason.Halt);

        (m.Cpu.CX, m.Cpu.SI, m.Cpu.DI).Should().Be(((ushort)0, (ushort)(0x100 + 300), (ushort)(0x200 + 300)));
        (m.Cpu.Flags & CpuFlags.Status).Should().Be(CpuFlags.CF | CpuFlags.PF | CpuFlags.AF | CpuFlags.SF, "flags of 10h - 61h = AFh");
    }

    [Fact]
    public void Repne_scasb_matching_the_first_element_stops_after_one()
    {
        var m = Machine(CpuModel.I8086, a => a.repne.scasb(), down: false, [], [], si: 0, di: 0x40, cx: 1000, 0x77, 0, false);
        m.Memory.Bytes[0x30040] = 0x77;

        m.RunToHalt().Should().Be(StopReason.Halt);

        (m.Cpu.CX, m.Cpu.DI).Should().Be(((ushort)999, (ushort)0x41));
        (m.Cpu.Flags & CpuFlags.ZF).Should().Be(CpuFlags.ZF);
    }

    [Fact]
    public void Repe_cmpsw_going_down_stops_at_the_first_difference_from_the_top()
    {
        var m = Machine(CpuModel.I286, a => a.repe.cmpsw(), down: true, [], [], si: 0x2FE, di: 0x4FE, cx: 0x100, 0, 0, false);
        m.Memory.Bytes.Slice(0x10100, 0x200).Fill(0x5A);
        m.Memory.Bytes.Slice(0x30300, 0x200).Fill(0x5A);
        m.Memory.Bytes[0x10100 + 0x20] = 0x5B; // the word at offset 120h: the 240th from the top and a difference
        m.Memory.Bytes[0x10100 + 0x10] = 0x00; // lower still: never reached

        m.RunToHalt().Should().Be(StopReason.Halt);

        ushort done = (0x2FE - 0x120) / 2 + 1;
        (m.Cpu.CX, m.Cpu.SI, m.Cpu.DI).Should().Be(((ushort)(0x100 - done), (ushort)(0x2FE - 2 * done), (ushort)(0x4FE - 2 * done)));
        (m.Cpu.Flags & (CpuFlags.ZF | CpuFlags.CF)).Should().Be(0, "5A5Bh - 5A5Ah is 1");
    }

    [Fact]
    public void Rep_with_cx_zero_compares_nothing_and_keeps_the_flags()
    {
        uint flags = CpuFlags.CF | CpuFlags.PF | CpuFlags.SF;
        var m = Machine(CpuModel.I386, a => a.repne.scasw(), down: false, [], [], si: 0, di: 0x10, cx: 0, 0, flags, false);

        m.RunToHalt().Should().Be(StopReason.Halt);

        (m.Cpu.Flags & CpuFlags.Status).Should().Be(flags);
        m.Cpu.DI.Should().Be(0x10);
    }

    [Fact]
    public void Repne_scasb_across_offset_ffff_on_the_8086_wraps_to_the_segment_start_and_finds_the_byte_there()
    {
        var m = Machine(CpuModel.I8086, a => a.repne.scasb(), down: false, [], [], si: 0, di: 0xFFF0, cx: 0x40, 0x99, 0, false);
        m.Memory.Bytes[0x30005] = 0x99;

        m.RunToHalt().Should().Be(StopReason.Halt);

        (m.Cpu.CX, m.Cpu.DI).Should().Be(((ushort)(0x40 - 0x16), (ushort)6));
        (m.Cpu.Flags & CpuFlags.ZF).Should().Be(CpuFlags.ZF);
    }

    [Fact]
    public void Repe_cmpsb_reaching_a_rom_page_compares_the_rom_bytes_too()
    {
        var m = Machine(CpuModel.I386, a => a.repe.cmpsb(), down: false, [], [], si: 0x0F00, di: 0x0F00, cx: 0x200, 0, 0, false);
        m.Memory.Map(0x31000, GuestMemory.PageSize, PageKind.Rom);
        m.Memory.Bytes.Slice(0x10F00, 0x200).Fill(0x33);
        m.Memory.Bytes.Slice(0x30F00, 0x120).Fill(0x33); // RAM, then the ROM page from 31000h (written as a loader would)
        m.Memory.Bytes[0x31010] = 0x34;

        m.RunToHalt().Should().Be(StopReason.Halt);

        (m.Cpu.CX, m.Cpu.SI, m.Cpu.DI).Should().Be(((ushort)(0x200 - 0x111), (ushort)0x1011, (ushort)0x1011));
        (m.Cpu.Flags & (CpuFlags.ZF | CpuFlags.CF)).Should().Be(CpuFlags.CF, "33h - 34h borrows");
    }

    private static ushort RandomOffset(Random random) => random.Next(4) switch
    {
        0 => (ushort)random.Next(0, 0x40),
        1 => (ushort)random.Next(0xFFC0, 0x10000),
        _ => (ushort)random.Next(0x100, 0xF000),
    };

    // Bytes from a small alphabet, or a copy of the source with a few changes, so that runs of equal elements
    // are long and a search ends anywhere.
    private static byte[] Data(Random random, byte[]? like = null)
    {
        var data = new byte[0x1_0000];
        if (like is not null && random.Next(3) != 0)
        {
            like.CopyTo(data, 0);
            for (int i = random.Next(1, 6); i > 0; i--)
                data[random.Next(data.Length)] ^= (byte)random.Next(1, 256);
            return data;
        }
        byte fill = (byte)random.Next(256);
        for (int i = 0; i < data.Length; i++)
            data[i] = random.Next(200) == 0 ? (byte)random.Next(256) : fill;
        return data;
    }

    private static CoreMachine Machine(CpuModel model, Action<Assembler> emit, bool down, byte[] source, byte[] target,
        ushort si, ushort di, ushort cx, uint accumulator, uint flags, bool watched)
    {
        var m = new CoreMachine(model, a =>
        {
            if (down) a.std(); else a.cld();
            emit(a);
            a.hlt();
        });
        m.Memory.Load((uint)SourceSegment << 4, source);
        m.Memory.Load((uint)TargetSegment << 4, target);
        if (watched)
        {
            for (uint page = (uint)SourceSegment << 4; page < ((uint)TargetSegment << 4) + 0x1_0000; page += GuestMemory.PageSize)
                m.Memory.SetWatched(page, true);
        }
        m.Cpu.DS = SourceSegment;
        m.Cpu.ES = TargetSegment;
        (m.Cpu.SI, m.Cpu.DI, m.Cpu.CX) = (si, di, cx);
        m.Cpu.Eax = accumulator;
        m.Cpu.Flags = flags;
        return m;
    }

    private static (long, ushort, ushort, ushort, ushort, uint, bool, int?) State(CoreMachine m) =>
        (m.Cpu.Retired, m.Cpu.CX, m.Cpu.SI, m.Cpu.DI, m.Cpu.IP, m.Cpu.Flags, m.Cpu.Halted, m.InterruptTaken);
}
