using Emu.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// What the 186, 286 and 386 do differently from the 8086 in real mode, one rule per test: LOCK,
/// accesses at the end of a segment, the segment registers that exist, BCD adjustment, OUTS.
/// The rules and their sources are listed in docs/CONFORMANCE.md.
/// </summary>
public class ModelDifferenceTests
{
    private const int NoInterrupt = -1;

    private static CoreMachine Run(CpuModel model, byte[] code, Action<Processor>? setup = null)
    {
        var m = new CoreMachine(model, code);
        setup?.Invoke(m.Cpu);
        m.RunToHalt();
        return m;
    }

    // ---- LOCK ----

    [Theory]
    [InlineData(CpuModel.I8086, NoInterrupt)]
    [InlineData(CpuModel.I186, NoInterrupt)]
    [InlineData(CpuModel.I286, NoInterrupt)]
    [InlineData(CpuModel.I386, 6)]
    public void Lock_before_a_non_lockable_instruction_executes_it_until_the_386_rejects_it(CpuModel model, int vector)
    {
        // lock add sp,bp ; lock push es ; hlt
        var m = Run(model, [0xF0, 0x01, 0xEC, 0xF0, 0x06, 0xF4], c => { c.SP = 0x4000; c.BP = 0x0100; c.ES = 0x1234; });

        (m.InterruptTaken ?? NoInterrupt).Should().Be(vector);
        if (vector == NoInterrupt)
        {
            m.Cpu.SP.Should().Be(0x40FE);
            m.Memory.Read16(0x40FE).Should().Be(0x1234);
            m.Cpu.IP.Should().Be(CoreMachine.CodeOffset + 6, "the LOCK bytes count in the instruction length");
        }
    }

    // ---- the end of a segment ----

    [Theory]
    [InlineData(CpuModel.I286, 0x0D)]
    [InlineData(CpuModel.I386, 0x0C)]
    public void A_word_at_SS_FFFF_is_interrupt_13_on_the_286_and_a_stack_fault_on_the_386(CpuModel model, int vector)
    {
        // mov [bp+si],ax with BP+SI = FFFF
        var m = Run(model, [0x89, 0x02, 0xF4], c => { c.BP = 0xFFF0; c.SI = 0x000F; c.SP = 0x9000; });

        m.InterruptTaken.Should().Be(vector);
        m.Cpu.SP.Should().Be(0x9000 - 6);
    }

    [Theory]
    [InlineData(CpuModel.I8086, NoInterrupt)]
    [InlineData(CpuModel.I186, NoInterrupt)]
    [InlineData(CpuModel.I286, 0x0D)]
    [InlineData(CpuModel.I386, 0x0C)]
    public void Pop_at_SP_FFFF_wraps_on_the_8086_and_faults_with_SP_unchanged_later(CpuModel model, int vector)
    {
        // pop es ; hlt
        var m = Run(model, [0x07, 0xF4], c => c.SP = 0xFFFF);

        (m.InterruptTaken ?? NoInterrupt).Should().Be(vector);
        if (vector != NoInterrupt)
            m.Cpu.SP.Should().Be(0xFFFF - 6, "the frame is pushed below the SP the POP started with");
    }

    [Fact]
    public void Leave_with_BP_FFFF_on_the_286_faults_before_SP_moves()
    {
        var m = Run(CpuModel.I286, [0xC9, 0xF4], c => { c.BP = 0xFFFF; c.SP = 0x2E06; });

        m.InterruptTaken.Should().Be(0x0D);
        m.Cpu.SP.Should().Be(0x2E00);
        m.Cpu.BP.Should().Be(0xFFFF);
    }

    [Theory]
    [InlineData(new byte[] { 0xCB, 0xF4 }, 0xFFFD)]             // RETF: the selector is at FFFF
    [InlineData(new byte[] { 0xCA, 0x04, 0x00, 0xF4 }, 0xFFFD)] // RETF 4
    [InlineData(new byte[] { 0xCF, 0xF4 }, 0xFFFB)]             // IRET: FLAGS at FFFF
    [InlineData(new byte[] { 0x61, 0xF4 }, 0xFFF5)]             // POPA: the sixth word at FFFF
    public void A_multi_word_pop_that_overruns_the_segment_on_the_286_leaves_SP_and_registers_as_they_were(byte[] code, int sp)
    {
        var m = Run(CpuModel.I286, code, c => { c.SP = (ushort)sp; c.AX = 0x1111; c.DI = 0x2222; });

        m.InterruptTaken.Should().Be(0x0D);
        m.Cpu.SP.Should().Be((ushort)(sp - 6));
        m.Memory.Read16((uint)sp - 6).Should().Be(CoreMachine.CodeOffset, "the fault restarts the instruction");
        (m.Cpu.AX, m.Cpu.DI).Should().Be(((ushort)0x1111, (ushort)0x2222));
    }

    [Theory]
    [InlineData(CpuModel.I286, 0xFFFF, 0x0100, 0x0001, 0x0100)] // the source read faults: SI stepped, DI not
    [InlineData(CpuModel.I286, 0x0000, 0xFFFF, 0x0002, 0x0001)] // the destination write faults: both stepped
    [InlineData(CpuModel.I386, 0xFFFF, 0x0100, 0xFFFF, 0x0100)]
    [InlineData(CpuModel.I386, 0x0000, 0xFFFF, 0x0000, 0xFFFF)]
    public void Movsw_that_overruns_a_segment_faults_with_the_286s_index_registers_already_stepped(
        CpuModel model, int si, int di, int siAfter, int diAfter)
    {
        var m = Run(model, [0xA5, 0xF4], c => { c.SI = (ushort)si; c.DI = (ushort)di; c.ES = 0x3000; c.SP = 0x9000; });

        m.InterruptTaken.Should().Be(0x0D);
        (m.Cpu.SI, m.Cpu.DI).Should().Be(((ushort)siAfter, (ushort)diAfter));
    }

    [Theory]
    [InlineData(CpuModel.I8086, new byte[] { 0xC4, 0x1E, 0xFE, 0xFF, 0xF4 }, NoInterrupt)] // les bx,[FFFE]
    [InlineData(CpuModel.I286, new byte[] { 0xC4, 0x1E, 0xFE, 0xFF, 0xF4 }, NoInterrupt)]
    [InlineData(CpuModel.I386, new byte[] { 0xC4, 0x1E, 0xFE, 0xFF, 0xF4 }, 0x0D)]
    [InlineData(CpuModel.I286, new byte[] { 0xFF, 0x2E, 0xFE, 0xFF }, NoInterrupt)]       // jmp far [FFFE]
    [InlineData(CpuModel.I386, new byte[] { 0xFF, 0x2E, 0xFE, 0xFF }, 0x0D)]
    [InlineData(CpuModel.I286, new byte[] { 0x62, 0x06, 0xFE, 0xFF, 0xF4 }, NoInterrupt)] // bound ax,[FFFE]
    [InlineData(CpuModel.I386, new byte[] { 0x62, 0x06, 0xFE, 0xFF, 0xF4 }, 0x0D)]
    public void A_far_pointer_or_bound_pair_at_offset_FFFE_wraps_its_second_word_until_the_386_checks_it_whole(CpuModel model, byte[] code, int vector)
    {
        // DS:FFFE holds 0400h (the offset, BOUND's lower bound); DS:0000 holds 7000h (the selector, the upper bound).
        var m = Run(model, code, c =>
        {
            c.DS = 0x5000;
            c.AX = 0x0500;
            c.Memory.Load(0x5FFFE, [0x00, 0x04]);
            c.Memory.Load(0x50000, [0x00, 0x70]);
            c.Memory.Load(0x70400, [0xF4]); // the far jump's target: HLT
        });

        (m.InterruptTaken ?? NoInterrupt).Should().Be(vector);
        if (vector != NoInterrupt)
            m.Memory.Read16(m.Cpu.SP).Should().Be(CoreMachine.CodeOffset, "nothing was loaded; the instruction restarts");
        else if (code[0] == 0xC4)
            (m.Cpu.BX, m.Cpu.ES).Should().Be(((ushort)0x0400, (ushort)0x7000));
        else if (code[0] == 0xFF)
            (m.Cpu.CS, m.Cpu.IP).Should().Be(((ushort)0x7000, (ushort)0x0401));
    }

    [Theory]
    [InlineData(CpuModel.I8086, NoInterrupt)]
    [InlineData(CpuModel.I186, NoInterrupt)]
    [InlineData(CpuModel.I286, 0x0D)]
    [InlineData(CpuModel.I386, 0x0D)]
    public void An_instruction_running_past_offset_FFFF_wraps_until_the_286_checks_the_CS_limit(CpuModel model, int vector)
    {
        // mov ax,1234h with its immediate split across FFFF/0000, then HLT at 0001.
        var m = new CoreMachine(model, [0xF4]);
        m.Memory.Load(0x1FFFE, [0x90, 0xB8]);
        m.Memory.Load(0x10000, [0x34, 0x12, 0xF4]);
        m.Cpu.CS = 0x1000;
        m.Cpu.IP = 0xFFFE;
        m.RunToHalt();

        (m.InterruptTaken ?? NoInterrupt).Should().Be(vector);
        if (vector == NoInterrupt)
            m.Cpu.AX.Should().Be(0x1234);
        else
            m.Memory.Read16(0xFFF8).Should().Be(0xFFFF, "the fault names the instruction that overran");
    }

    // ---- instruction length ----

    [Theory]
    [InlineData(CpuModel.I8086, 10, NoInterrupt)]
    [InlineData(CpuModel.I8086, 15, NoInterrupt)] // no limit: 16 bytes run
    [InlineData(CpuModel.I186, 15, NoInterrupt)]
    [InlineData(CpuModel.I286, 9, NoInterrupt)]   // 10 bytes: the 286's longest
    [InlineData(CpuModel.I286, 10, 6)]            // 11 bytes
    [InlineData(CpuModel.I286, 15, 6)]
    [InlineData(CpuModel.I386, 14, NoInterrupt)]  // 15 bytes: the 386's longest
    [InlineData(CpuModel.I386, 15, 0x0D)]         // 16 bytes
    public void An_instruction_padded_with_prefixes_past_the_models_limit_faults_before_it_runs(CpuModel model, int prefixes, int vector)
    {
        // cs: repeated, then inc ax; hlt
        byte[] code = [.. Enumerable.Repeat((byte)0x2E, prefixes), 0x40, 0xF4];
        var m = Run(model, code, c => c.AX = 0x1000);

        (m.InterruptTaken ?? NoInterrupt).Should().Be(vector);
        if (vector == NoInterrupt)
            m.Cpu.AX.Should().Be(0x1001);
        else
            (m.Cpu.AX, m.Memory.Read16(m.Cpu.SP)).Should().Be(((ushort)0x1000, CoreMachine.CodeOffset), "the fault names the first prefix");
    }

    [Fact]
    public void Lock_prefixes_count_in_the_286s_ten_bytes()
    {
        // 5 x lock, 5 x es:, inc ax: 11 bytes
        byte[] code = [0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0x26, 0x26, 0x26, 0x26, 0x26, 0x40, 0xF4];

        Run(CpuModel.I286, code).InterruptTaken.Should().Be(6);
        Run(CpuModel.I186, code).Cpu.AX.Should().Be(1);
    }

    [Fact]
    public void Of_repeated_segment_prefixes_the_last_one_counts()
    {
        // es: ds: es: ds: mov ax,[0] ; hlt   with ES:0 = 1111h, DS:0 = 2222h
        var m = Run(CpuModel.I286, [0x26, 0x3E, 0x26, 0x3E, 0xA1, 0x00, 0x00, 0xF4], c =>
        {
            c.ES = 0x2000; c.DS = 0x3000;
            c.Memory.Load(0x20000, [0x11, 0x11]);
            c.Memory.Load(0x30000, [0x22, 0x22]);
        });

        m.Cpu.AX.Should().Be(0x2222);
        m.Cpu.IP.Should().Be(CoreMachine.CodeOffset + 8, "each prefix counts in the length");
    }

    // ---- encodings valid only with reg = 0 ----

    [Theory]
    [InlineData(new byte[] { 0x8F, 0xC8, 0xF4 })]             // pop /1 ax
    [InlineData(new byte[] { 0x8F, 0x3F, 0xF4 })]             // pop /7 [bx]
    [InlineData(new byte[] { 0xC6, 0xC8, 0x12, 0xF4 })]       // mov /1 al,12h
    [InlineData(new byte[] { 0xC6, 0xF8, 0x12, 0xF4 })]       // mov /7 al,12h (XABORT later)
    [InlineData(new byte[] { 0xC7, 0x27, 0x34, 0x12, 0xF4 })] // mov /4 [bx],1234h
    [InlineData(new byte[] { 0xC7, 0xF8, 0x34, 0x12, 0xF4 })] // mov /7 ax,1234h (XBEGIN later)
    public void Pop_and_mov_immediate_with_a_nonzero_reg_field_are_undefined_from_the_186(byte[] code)
    {
        foreach (var model in new[] { CpuModel.I186, CpuModel.I286, CpuModel.I386 })
            Run(model, code, c => c.AX = 0x5678).InterruptTaken.Should().Be(6, $"on the {model.Name()}");
        // The 8086 ignores the reg field: the POP or MOV runs.
        Run(CpuModel.I8086, code).InterruptTaken.Should().BeNull();
    }

    // ---- ports ----

    [Theory]
    [InlineData(CpuModel.I8086, new byte[] { 0xE4, 0x60, 0xF4 }, 0x12FF)] // in al,60h
    [InlineData(CpuModel.I286, new byte[] { 0xE5, 0x60, 0xF4 }, 0xFFFF)]  // in ax,60h
    [InlineData(CpuModel.I286, new byte[] { 0xEC, 0xF4 }, 0x12FF)]        // in al,dx
    [InlineData(CpuModel.I386, new byte[] { 0xED, 0xF4 }, 0xFFFF)]        // in ax,dx
    public void A_port_no_device_answers_reads_all_ones(CpuModel model, byte[] code, int ax)
    {
        Run(model, code, c => c.AX = 0x1234).Cpu.AX.Should().Be((ushort)ax);
    }

    [Fact]
    public void Insw_from_a_port_no_device_answers_stores_FFFF_and_steps_DI()
    {
        var m = Run(CpuModel.I286, [0x6D, 0xF4], c => { c.ES = 0x3000; c.DI = 0x0010; });

        m.Memory.Read16(0x30010).Should().Be(0xFFFF);
        m.Cpu.DI.Should().Be(0x0012);
    }

    // ---- segment registers and prefixes that exist ----

    [Theory]
    [InlineData(CpuModel.I286, new byte[] { 0x8E, 0xE0, 0xF4 })] // mov fs,ax
    [InlineData(CpuModel.I286, new byte[] { 0x8C, 0xE8, 0xF4 })] // mov ax,gs
    [InlineData(CpuModel.I286, new byte[] { 0x64, 0x8B, 0x07, 0xF4 })] // fs: prefix
    [InlineData(CpuModel.I286, new byte[] { 0x67, 0x8B, 0x07, 0xF4 })] // address-size prefix
    [InlineData(CpuModel.I186, new byte[] { 0x2E, 0x66, 0x90, 0xF4 })] // operand-size prefix after cs:
    public void Segment_registers_4_to_7_and_the_386_prefixes_are_undefined_opcodes_before_the_386(CpuModel model, byte[] code)
    {
        var m = Run(model, code, c => c.AX = 0x5678);

        m.InterruptTaken.Should().Be(6);
        m.Cpu.AX.Should().Be(0x5678);
    }

    [Theory]
    [InlineData(CpuModel.I8086)]
    [InlineData(CpuModel.I186)]
    public void Segment_numbers_4_to_7_are_0_to_3_again_on_the_8086_and_186(CpuModel model)
    {
        var m = Run(model, [0x8E, 0xE0, 0xF4], c => c.AX = 0x5678); // 8E /4: ES on these CPUs

        m.InterruptTaken.Should().BeNull();
        m.Cpu.ES.Should().Be(0x5678);
    }

    [Fact]
    public void Mov_fs_is_fs_on_the_386()
    {
        var m = Run(CpuModel.I386, [0x8E, 0xE0, 0xF4], c => c.AX = 0x5678);

        m.InterruptTaken.Should().BeNull();
        m.Cpu.FS.Should().Be(0x5678);
    }

    // ---- BCD ----

    [Theory]
    [InlineData(CpuModel.I8086, 0x9A, CpuFlags.AF, 0x94, CpuFlags.AF)]
    [InlineData(CpuModel.I286, 0x9A, CpuFlags.AF, 0x34, CpuFlags.AF | CpuFlags.CF)]
    [InlineData(CpuModel.I386, 0x9A, CpuFlags.AF, 0x34, CpuFlags.AF | CpuFlags.CF)]
    [InlineData(CpuModel.I286, 0x02, CpuFlags.AF, 0xFC, CpuFlags.AF | CpuFlags.CF)] // the low digit borrows
    public void Das_follows_the_8086_threshold_on_the_8086_and_the_documented_algorithm_from_the_286(
        CpuModel model, int al, uint flagsIn, int alOut, uint flagsOut)
    {
        var m = Run(model, [0x2F, 0xF4], c => { c.AX = (ushort)al; c.Flags = flagsIn; });

        m.Cpu.AL.Should().Be((byte)alOut);
        (m.Cpu.Flags & (CpuFlags.AF | CpuFlags.CF)).Should().Be(flagsOut);
    }

    [Theory]
    [InlineData(CpuModel.I8086, 0x9A, CpuFlags.AF, 0xA0, CpuFlags.AF)]
    [InlineData(CpuModel.I286, 0x9A, CpuFlags.AF, 0x00, CpuFlags.AF | CpuFlags.CF | CpuFlags.ZF)]
    public void Daa_compares_the_original_AL_with_99_from_the_286(CpuModel model, int al, uint flagsIn, int alOut, uint flagsOut)
    {
        var m = Run(model, [0x27, 0xF4], c => { c.AX = (ushort)al; c.Flags = flagsIn; });

        m.Cpu.AL.Should().Be((byte)alOut);
        (m.Cpu.Flags & (CpuFlags.AF | CpuFlags.CF | CpuFlags.ZF)).Should().Be(flagsOut);
    }
}
