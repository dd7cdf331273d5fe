using Emu.Memory;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>MUL/DIV, shifts, BCD and the 386 bit instructions where the 8086 vectors say nothing:
/// the later models' rules, 32-bit operands, the 386-only instructions.</summary>
public class MulDivShiftTests
{
    private const ushort CodeSeg = 0x100;
    private const ushort HandlerSeg = 0x300; // the #DE handler: a HLT at 0300:0000

    private static Processor Run(CpuModel model, Action<Assembler> program, int instructions, Action<Processor>? setup = null)
    {
        var asm = new Assembler(16);
        program(asm);
        using var ms = new MemoryStream();
        asm.Assemble(new StreamCodeWriter(ms), 0);
        return RunBytes(model, ms.ToArray(), instructions, setup);
    }

    private static Processor RunBytes(CpuModel model, byte[] code, int instructions, Action<Processor>? setup = null)
    {
        var memory = new GuestMemory();
        memory.Load(0, [0x00, 0x00, HandlerSeg & 0xFF, HandlerSeg >> 8]); // IVT entry 0
        memory.Load(HandlerSeg * 16u, [0xF4]);
        memory.Load(CodeSeg * 16u, code);
        var cpu = new Processor(memory, model) { CS = CodeSeg, IP = 0, SS = 0x2000, SP = 0xFFF0, DS = 0x400 };
        setup?.Invoke(cpu);
        cpu.Run(instructions);
        return cpu;
    }

    private static bool Flag(Processor cpu, uint flag) => (cpu.Flags & flag) != 0;

    // ---- shifts ----

    [Theory]
    [InlineData(CpuModel.I8086, 0x0000)] // 33 one-bit steps: everything shifted out
    [InlineData(CpuModel.I186, 0x0002)]  // 33 & 31 = 1
    [InlineData(CpuModel.I386, 0x0002)]
    public void Shift_count_in_CL_is_masked_to_five_bits_from_the_186(CpuModel model, int expected)
    {
        var cpu = Run(model, a => { a.mov(ax, 1); a.mov(cl, 33); a.shl(ax, cl); }, 3);
        cpu.AX.Should().Be((ushort)expected);
    }

    [Fact]
    public void On_the_8086_a_count_equal_to_the_width_leaves_the_last_bit_in_CF()
    {
        var cpu = Run(CpuModel.I8086, a => { a.mov(al, 0x81); a.mov(cl, 8); a.shl(al, cl); }, 3);
        cpu.AL.Should().Be(0);
        Flag(cpu, CpuFlags.CF).Should().BeTrue();
        Flag(cpu, CpuFlags.ZF).Should().BeTrue();
    }

    [Fact]
    public void A_masked_count_of_zero_changes_no_flags()
    {
        var cpu = Run(CpuModel.I386, a => { a.stc(); a.mov(ax, 0x8000); a.mov(cl, 32); a.shl(ax, cl); }, 4);
        cpu.AX.Should().Be(0x8000);
        Flag(cpu, CpuFlags.CF).Should().BeTrue();
    }

    // ---- what the flags read right after a shift, a rotate, ADC or SBB, which leave some of them in a lazy record ----

    private const uint Status = CpuFlags.CF | CpuFlags.AF | CpuFlags.ZF | CpuFlags.SF | CpuFlags.PF | CpuFlags.OF;

    // Runs body `passes` times in a loop (after 200 passes the loop runs as a compiled block), PUSHF right after the
    // body keeping FLAGS as the guest saw them, then `after`; returns the processor and the six status flags of the
    // last pass.
    private static (Processor Cpu, uint Flags) Passes(int passes, Action<Assembler> body, Action<Assembler>? after = null)
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(__word_ptr[0x10], passes);
            var top = a.CreateLabel();
            a.Label(ref top);
            body(a);
            a.pushf();
            a.pop(__word_ptr[0x20]);
            after?.Invoke(a);
            a.dec(__word_ptr[0x10]);
            a.jnz(top);
            a.hlt();
        }, 100_000);
        if (passes > 1)
            cpu.Compiled.Blocks.Should().BeGreaterThan(0, "the loop ran as a compiled block");
        return (cpu, (uint)(cpu.Memory.Bytes[0x4020] | cpu.Memory.Bytes[0x4021] << 8) & Status); // DS = 400h
    }

    // A shift sets CF, OF and AF and leaves SF, ZF and PF to be computed when read (LazyFlags' Settled record): the
    // instructions after it read CF and AF from that record without materialising it (ADC, Jcc, INC's kept CF, the
    // next shift's kept AF).
    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    public void The_flags_a_shift_leaves_are_the_ones_the_next_instructions_read(int passes)
    {
        var (cpu, flags) = Passes(passes, a =>
        {
            a.mov(ax, 3);
            a.shr(ax, 1);          // AX = 1, CF = 1
            a.mov(bx, 10);
            a.adc(bx, 0);          // BX = 11
            a.mov(cx, 0x80);
            a.shl(cl, 1);          // CL = 0, CF = 1, ZF = 1
            var carried = a.CreateLabel();
            a.jc(carried);
            a.mov(bx, 0xDEAD);
            a.Label(ref carried);
            a.mov(dx, 5);
            a.shr(dx, 1);          // DX = 2, CF = 1
            a.mov(si, 0);
            a.inc(si);             // SI = 1, CF kept
            a.mov(di, 0);
            a.adc(di, 0);          // DI = 1
            a.mov(al, 1);
            a.add(al, 0x0F);       // AL = 10h, AF = 1
            a.mov(bp, 6);
            a.shr(bp, 1);          // BP = 3, CF = 0, AF kept
            a.shr(bp, 1);          // BP = 1, CF = 1, AF kept; SF ZF PF from 1, OF from the operand's top bit (0)
        });
        cpu.BX.Should().Be(11);
        cpu.CL.Should().Be(0);
        cpu.SI.Should().Be(1);
        cpu.DI.Should().Be(1);
        cpu.BP.Should().Be(1);
        flags.Should().Be(CpuFlags.CF | CpuFlags.AF);
    }

    // RCL after SHL (a 32-bit shift in 16-bit code) keeps the shift's record pending; ROR after ADD turns the ADD's
    // pending record into a Settled one (LazyFlags.RotateOp).
    [Theory]
    [InlineData(1, true)]
    [InlineData(300, true)]
    [InlineData(1, false)]
    [InlineData(300, false)]
    public void A_rotate_sets_CF_and_OF_and_keeps_the_flags_before_it(int passes, bool afterShift)
    {
        var (cpu, flags) = Passes(passes, a =>
        {
            if (afterShift)
            {
                a.mov(bx, 0x0F);
                a.add(bl, 1);      // AF = 1, which the shift keeps
                a.mov(ax, 0xC000);
                a.mov(dx, 0x4001);
                a.shl(ax, 1);      // AX = 8000h, CF = 1; from 8000h SF = 1, ZF = 0, PF = 1 (low byte 0)
                a.rcl(dx, 1);      // DX = 8003h, CF = 0, OF = 1 (the top bit and CF differ)
            }
            else
            {
                a.mov(cx, 0x00FF);
                a.add(cl, 1);      // CL = 0: CF ZF AF PF set, SF OF clear
                a.ror(ch, 1);      // CH = 0: CF = 0, OF = 0, the rest kept
            }
        });
        if (afterShift)
        {
            cpu.AX.Should().Be(0x8000);
            cpu.DX.Should().Be(0x8003);
            flags.Should().Be(CpuFlags.SF | CpuFlags.PF | CpuFlags.AF | CpuFlags.OF);
        }
        else
        {
            cpu.CX.Should().Be(0x0000);
            flags.Should().Be(CpuFlags.ZF | CpuFlags.AF | CpuFlags.PF);
        }
    }

    // ADC and SBB set CF, OF and AF and defer SF, ZF and PF (the Settled record); the next ADC reads CF from it.
    [Theory]
    [InlineData(1, true)]
    [InlineData(300, true)]
    [InlineData(1, false)]
    [InlineData(300, false)]
    public void Adc_and_sbb_leave_every_flag_a_reader_sees(int passes, bool add)
    {
        var (cpu, flags) = Passes(passes, a =>
        {
            a.mov(bx, 0);
            a.stc();
            if (add)
            {
                a.mov(ax, 0xFFFF);
                a.adc(ax, 0);      // AX = 0: CF ZF PF AF set, SF OF clear
            }
            else
            {
                a.mov(ax, 0);
                a.sbb(ax, 0);      // AX = FFFFh: CF SF PF AF set, ZF OF clear
            }
        }, after: a => a.adc(bx, 0)); // BX = 1: CF read from the record
        cpu.BX.Should().Be(1);
        cpu.AX.Should().Be(add ? (ushort)0 : (ushort)0xFFFF);
        flags.Should().Be(add ? CpuFlags.CF | CpuFlags.ZF | CpuFlags.PF | CpuFlags.AF : CpuFlags.CF | CpuFlags.SF | CpuFlags.PF | CpuFlags.AF);
    }

    [Fact]
    public void Shift_by_immediate_works_on_the_186()
    {
        var cpu = Run(CpuModel.I186, a => { a.mov(ax, 0x1234); a.shr(ax, 4); a.mov(bx, 0x8001); a.rol(bx, 4); }, 4);
        cpu.AX.Should().Be(0x0123);
        cpu.BX.Should().Be(0x0018);
    }

    [Fact]
    public void Rcr_rotates_through_carry_in_32_bits()
    {
        var cpu = Run(CpuModel.I386, a => { a.stc(); a.mov(eax, 2); a.rcr(eax, 2); }, 3);
        cpu.Eax.Should().Be(0x4000_0000);
        Flag(cpu, CpuFlags.CF).Should().BeTrue();
    }

    [Fact]
    public void Sar_fills_with_the_sign_in_32_bits()
    {
        var cpu = Run(CpuModel.I386, a => { a.mov(eax, 0x8000_0010); a.sar(eax, 5); }, 2);
        cpu.Eax.Should().Be(0xFC00_0000);
        Flag(cpu, CpuFlags.CF).Should().BeTrue();
        Flag(cpu, CpuFlags.SF).Should().BeTrue();
    }

    [Theory]
    [InlineData(CpuModel.I8086, 0xFF)] // SETMO: all ones
    [InlineData(CpuModel.I386, 0x0A)]  // SAL = SHL
    public void D0_slash_6_is_SETMO_on_the_8086_and_SAL_later(CpuModel model, int expected)
    {
        var cpu = RunBytes(model, [0xB0, 0x05, 0xD0, 0xF0], 2); // mov al,5; D0 /6 al
        cpu.AL.Should().Be((byte)expected);
    }

    [Fact]
    public void Shld_and_shrd_shift_in_bits_from_the_source()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(ax, 0x1234); a.mov(bx, 0xABCD); a.shld(ax, bx, 4);
            a.mov(edx, 0x1234_5678); a.mov(esi, 0x9ABC_DEF0); a.mov(cl, 8); a.shrd(edx, esi, cl);
        }, 7);
        cpu.AX.Should().Be(0x234A);
        cpu.Edx.Should().Be(0xF012_3456);
        Flag(cpu, CpuFlags.CF).Should().BeFalse(); // last bit out of EDX: bit 7 of 0x78
        Flag(cpu, CpuFlags.SF).Should().BeTrue();
    }

    [Fact]
    public void Shld_sets_CF_from_the_last_bit_shifted_out()
    {
        var cpu = Run(CpuModel.I386, a => { a.mov(eax, 0x4000_0000); a.xor(ebx, ebx); a.shld(eax, ebx, 2); }, 3);
        cpu.Eax.Should().Be(0);
        Flag(cpu, CpuFlags.CF).Should().BeTrue();
        Flag(cpu, CpuFlags.ZF).Should().BeTrue();
    }

    // ---- multiply and divide ----

    [Fact]
    public void Mul_32_bit_writes_edx_eax_and_sets_CF_OF_for_a_high_half()
    {
        var cpu = Run(CpuModel.I386, a => { a.mov(eax, 0xFFFF_FFFF); a.mov(ebx, 2); a.mul(ebx); }, 3);
        cpu.Edx.Should().Be(1);
        cpu.Eax.Should().Be(0xFFFF_FFFE);
        Flag(cpu, CpuFlags.CF).Should().BeTrue();
        Flag(cpu, CpuFlags.OF).Should().BeTrue();
    }

    [Fact]
    public void Div_and_idiv_32_bit()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(edx, 1); a.mov(eax, 5); a.mov(ecx, 0x10); a.div(ecx);  // 0x1_0000_0005 / 16
            a.mov(esi, eax); a.mov(edi, edx);
            a.mov(eax, unchecked((uint)-100)); a.cdq(); a.mov(ecx, 7); a.idiv(ecx);
        }, 10);
        cpu.Esi.Should().Be(0x1000_0000);
        cpu.Edi.Should().Be(5);
        cpu.Eax.Should().Be(unchecked((uint)-14));
        cpu.Edx.Should().Be(unchecked((uint)-2));
    }

    [Fact]
    public void Imul_two_and_three_operand_forms_truncate_and_flag_overflow()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(ebx, 7); a.imul(eax, ebx, -3);
            a.mov(ecx, 0x1234_4000); a.mov(dx, 4); a.imul(cx, dx);
        }, 5);
        cpu.Eax.Should().Be(unchecked((uint)-21));
        cpu.GetRegister32(Reg.CX).Should().Be(0x1234_0000u, "a 16-bit product keeps ECX's upper half");
        Flag(cpu, CpuFlags.CF).Should().BeTrue();
        Flag(cpu, CpuFlags.OF).Should().BeTrue();
    }

    [Theory]
    [InlineData(CpuModel.I8086, true)]
    [InlineData(CpuModel.I186, true)]
    [InlineData(CpuModel.I286, false)]
    [InlineData(CpuModel.I386, false)]
    public void Idiv_quotient_of_minus_128_faults_only_before_the_286(CpuModel model, bool faults)
    {
        var cpu = Run(model, a => { a.mov(ax, unchecked((ushort)-256)); a.mov(bl, 2); a.idiv(bl); a.hlt(); }, 4);
        cpu.Halted.Should().BeTrue();
        if (faults)
        {
            cpu.CS.Should().Be(HandlerSeg);
            cpu.AX.Should().Be(0xFF00);
        }
        else
        {
            cpu.CS.Should().Be(CodeSeg);
            cpu.AX.Should().Be(0x0080);
        }
    }

    [Fact]
    public void Idiv_of_the_most_negative_32_bit_dividend_by_minus_one_is_a_divide_error()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(edx, 0x8000_0000); a.xor(eax, eax); a.mov(ecx, unchecked((uint)-1)); a.idiv(ecx); a.hlt();
        }, 5);
        cpu.CS.Should().Be(HandlerSeg);
        cpu.Edx.Should().Be(0x8000_0000);
    }

    [Theory]
    [InlineData(CpuModel.I8086, new byte[] { 0x30, 0xDB, 0xF6, 0xF3 }, 4)] // xor bl,bl; div bl: next IP
    [InlineData(CpuModel.I186, new byte[] { 0x30, 0xDB, 0xF6, 0xF3 }, 4)]
    [InlineData(CpuModel.I286, new byte[] { 0x30, 0xDB, 0xF6, 0xF3 }, 2)] // DIV's own IP
    [InlineData(CpuModel.I386, new byte[] { 0x30, 0xDB, 0xF6, 0xF3 }, 2)]
    [InlineData(CpuModel.I286, new byte[] { 0x30, 0xDB, 0xF6, 0xFB }, 2)] // idiv bl
    [InlineData(CpuModel.I8086, new byte[] { 0x30, 0xDB, 0xD4, 0x00 }, 4)] // aam 0
    [InlineData(CpuModel.I286, new byte[] { 0x30, 0xDB, 0xD4, 0x00 }, 2)]
    public void Divide_error_pushes_the_next_IP_up_to_the_186_and_the_faulting_instruction_from_the_286(CpuModel model, byte[] code, int pushedIp)
    {
        var cpu = RunBytes(model, code, 3);
        cpu.CS.Should().Be(HandlerSeg);
        cpu.Memory.Read16(0x2000u * 16 + cpu.SP).Should().Be((ushort)pushedIp);
    }

    [Fact]
    public void Rep_negates_imul_only_on_the_8086()
    {
        byte[] code = [0xB0, 0x03, 0xB3, 0x05, 0xF3, 0xF6, 0xEB]; // mov al,3; mov bl,5; rep imul bl
        RunBytes(CpuModel.I8086, code, 3).AX.Should().Be(unchecked((ushort)-15));
        RunBytes(CpuModel.I386, code, 3).AX.Should().Be(15);
    }

    // ---- BCD ----

    [Fact]
    public void Aaa_on_the_286_carries_from_AL_into_AH()
    {
        var cpu = Run(CpuModel.I286, a => { a.mov(ax, 0x00FB); a.aaa(); }, 2);
        cpu.AX.Should().Be(0x0201); // AX + 106h = 0201h
        var old = Run(CpuModel.I8086, a => { a.mov(ax, 0x00FB); a.aaa(); }, 2);
        old.AX.Should().Be(0x0101); // AL + 6 and AH + 1 separately
    }

    [Fact]
    public void Aam_with_base_zero_is_a_divide_error()
    {
        var cpu = RunBytes(CpuModel.I386, [0xD4, 0x00], 1);
        cpu.CS.Should().Be(HandlerSeg);
    }

    // ---- 386 bit instructions ----

    [Fact]
    public void Bt_with_a_negative_register_offset_addresses_below_the_operand()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(__word_ptr[0x10], 0x0000); a.mov(__word_ptr[0x0E], 0x0004);
            a.mov(ax, unchecked((ushort)-14));            // word at 0x10 - 2, bit 2
            a.bt(__word_ptr[0x10], ax); a.setc(bl);
            a.bts(__word_ptr[0x10], 33);                  // immediate: bit 33 & 15 = 1 of the word itself
        }, 6);
        cpu.BX.Should().Be(1);
        cpu.Memory.Read16(0x400 * 16 + 0x10).Should().Be(0x0002);
        cpu.Memory.Read16(0x400 * 16 + 0x0E).Should().Be(0x0004);
    }

    [Fact]
    public void Bts_btr_btc_update_the_bit_and_return_its_old_value_in_CF()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(eax, 0); a.mov(ecx, 35); a.bts(eax, ecx); // 35 & 31 = 3
            a.mov(ebx, 0xFF); a.btr(ebx, 0); a.btc(ebx, 9);
        }, 6);
        cpu.Eax.Should().Be(8);
        cpu.Ebx.Should().Be(0x2FE);
        Flag(cpu, CpuFlags.CF).Should().BeFalse();
    }

    [Fact]
    public void Bsf_and_bsr_find_bits_and_leave_the_destination_for_a_zero_source()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(ebx, 0x0001_0100); a.bsf(eax, ebx); a.bsr(ecx, ebx);
            a.mov(edx, 0x1234); a.xor(esi, esi); a.bsf(edx, esi);
        }, 6);
        cpu.Eax.Should().Be(8);
        cpu.Ecx.Should().Be(16);
        cpu.Edx.Should().Be(0x1234);
        Flag(cpu, CpuFlags.ZF).Should().BeTrue();
    }

    [Fact]
    public void Setcc_writes_one_or_zero()
    {
        var cpu = Run(CpuModel.I386, a => { a.mov(al, 1); a.cmp(al, 2); a.setl(bl); a.setg(bh); a.setb(__byte_ptr[0x20]); }, 5);
        cpu.BX.Should().Be(0x0001);
        cpu.Memory.Read8(0x400 * 16 + 0x20).Should().Be(1);
    }

    [Fact]
    public void Bswap_xadd_cmpxchg()
    {
        var cpu = Run(CpuModel.I386, a =>
        {
            a.mov(eax, 0x1122_3344); a.bswap(eax); a.mov(esi, eax);
            a.mov(ebx, 10); a.mov(ecx, 5); a.xadd(ebx, ecx);       // ebx = 15, ecx = 10
            a.mov(eax, 15); a.mov(edx, 99); a.cmpxchg(ebx, edx);   // equal: ebx = 99
            a.mov(eax, 1); a.cmpxchg(ecx, edx);                    // not equal: eax = ecx = 10
        }, 11);
        cpu.Esi.Should().Be(0x4433_2211);
        cpu.Ebx.Should().Be(99);
        cpu.Ecx.Should().Be(10);
        cpu.Eax.Should().Be(10);
        Flag(cpu, CpuFlags.ZF).Should().BeFalse();
    }

    [Fact]
    public void Cmov_is_not_a_386_instruction()
    {
        var cpu = Run(CpuModel.I386, a => { a.cmove(ax, bx); }, 1, c =>
        {
            c.Memory.Load(6 * 4, [0x00, 0x00, HandlerSeg & 0xFF, HandlerSeg >> 8]); // #UD to the HLT too
        });
        cpu.CS.Should().Be(HandlerSeg);
    }
}
