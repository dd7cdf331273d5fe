using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

public class CoreTests
{
    [Fact]
    public void Thirty_two_bit_add_sets_carry_and_overflow_on_the_386()
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(eax, 0x7FFF_FFFF);
            a.add(eax, 1);
            a.hlt();
        });

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.Eax.Should().Be(0x8000_0000);
        (m.Cpu.Flags & CpuFlags.OF).Should().NotBe(0);
        (m.Cpu.Flags & CpuFlags.SF).Should().NotBe(0);
        (m.Cpu.Flags & CpuFlags.CF).Should().Be(0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Scaled_index_addressing_reads_the_right_word(int scale)
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(ebx, 0x2000);
            a.mov(ecx, 3);
            a.mov(ax, __word_ptr[ebx + ecx * scale + 2]);
            a.hlt();
        });
        m.Memory.Load((uint)(0x2000 + 3 * scale + 2), [0x34, 0x12]);

        m.RunToHalt();

        m.Cpu.AX.Should().Be(0x1234);
    }

    [Fact]
    public void Stores_into_the_next_instruction_take_effect_when_it_runs()
    {
        // mov byte [0x0106], 0x42 ; mov al, 0x00 (its immediate is at 0x0106) ; hlt
        var m = new CoreMachine(CpuModel.I8086, [0xC6, 0x06, 0x06, 0x01, 0x42, 0xB0, 0x00, 0xF4]);

        m.RunToHalt();

        m.Cpu.AL.Should().Be(0x42);
    }

    [Fact]
    public void Code_that_rewrites_itself_after_running_once_runs_the_new_bytes()
    {
        // The first pass runs INC AX and patches it into DEC AX; the second pass must see the DEC.
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            var done = a.CreateLabel();
            a.Label(ref top);
            a.inc(ax);
            a.cmp(bx, 1);
            a.je(done);
            a.mov(bx, 1);
            a.mov(__byte_ptr[CoreMachine.CodeOffset], 0x48);
            a.jmp(top);
            a.Label(ref done);
            a.hlt();
        });

        m.RunToHalt();

        m.Cpu.AX.Should().Be(0);
    }

    [Theory]
    [InlineData(CpuModel.I8086, 0xF002)]
    [InlineData(CpuModel.I186, 0xF002)]
    [InlineData(CpuModel.I286, 0x0002)]
    [InlineData(CpuModel.I386, 0x0002)]
    public void Fixed_flag_bits_follow_the_model(CpuModel model, int expected)
    {
        var m = new CoreMachine(model, a => a.hlt());
        m.Cpu.Flags = 0;
        ((int)m.Cpu.Flags).Should().Be(expected);
    }

    [Fact]
    public void The_8086_wraps_a_word_at_offset_FFFF_inside_the_segment()
    {
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            a.mov(ax, __word_ptr[0xFFFF]);
            a.hlt();
        });
        m.Memory.Load(0xFFFF, [0x34]);
        m.Memory.Load(0x0000, [0x12]);

        m.RunToHalt();

        m.Cpu.AX.Should().Be(0x1234);
    }

    [Theory]
    [InlineData(CpuModel.I286)]
    [InlineData(CpuModel.I386)]
    public void The_286_and_386_raise_GP_for_a_word_at_offset_FFFF(CpuModel model)
    {
        var m = new CoreMachine(model, a =>
        {
            a.mov(ax, __word_ptr[0xFFFF]);
            a.hlt();
        });

        m.RunToHalt();

        m.InterruptTaken.Should().Be(0x0D);
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset, "a fault pushes the faulting instruction's IP");
    }

    [Fact]
    public void An_opcode_the_186_lacks_raises_invalid_opcode_with_its_own_address()
    {
        // 0F 20 C0 is MOV EAX,CR0, a 386 instruction.
        var m = new CoreMachine(CpuModel.I186, [0x90, 0x0F, 0x20, 0xC0, 0xF4]);

        m.RunToHalt();

        m.InterruptTaken.Should().Be(6);
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 1);
    }

    [Fact]
    public void Thirty_two_bit_registers_are_undefined_opcodes_on_the_286()
    {
        var m = new CoreMachine(CpuModel.I286, a =>
        {
            a.mov(eax, 1);
            a.hlt();
        });

        m.RunToHalt();

        m.InterruptTaken.Should().Be(6);
    }

    [Fact]
    public void Entering_protected_mode_stops_the_machine_with_a_reason()
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(eax, cr0);
            a.or(eax, 1);
            a.mov(cr0, eax);
            a.hlt();
        });

        m.RunToHalt().Should().Be(StopReason.InvalidState);
        m.Cpu.Stop.Should().BeEquivalentTo(new { Cause = StopCause.ProtectedMode, Value = 1u }, "it names the CR0 value the guest wrote");
    }

    [Fact]
    public void Lidt_moves_the_interrupt_table_and_a_limit_of_zero_shuts_the_machine_down()
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.lidt(__[0x3000]);
            a.@int(0x21);
            a.hlt();
        });
        m.Memory.Load(0x3000, [0, 0, 0, 0, 0, 0]);

        m.RunToHalt().Should().Be(StopReason.Shutdown);
        m.Cpu.Stop.Should().Be(new CpuStop(StopCause.VectorBeyondLimit, Value: 0, Vector: 0x21));
    }

    [Fact]
    public void Xlat_indexes_with_al_only()
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(eax, 0x1234_5603);
            a.mov(ebx, 0x2000);
            a.xlatb();
            a.hlt();
        });
        m.Memory.Load(0x2003, [0x77]);

        m.RunToHalt();

        m.Cpu.Eax.Should().Be(0x1234_5677);
    }

    [Fact]
    public void Movzx_and_movsx_extend_bytes_and_words()
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(bl, 0x80);
            a.movzx(eax, bl);
            a.movsx(ecx, bl);
            a.mov(dx, 0x8001);
            a.movsx(esi, dx);
            a.hlt();
        });

        m.RunToHalt();

        m.Cpu.Eax.Should().Be(0x80);
        m.Cpu.Ecx.Should().Be(0xFFFF_FF80);
        m.Cpu.Esi.Should().Be(0xFFFF_8001);
    }
}

public class DecodeCacheAliasTests
{
    [Fact]
    public void A_relative_jump_reached_through_another_segment_offset_pair_lands_relative_to_it()
    {
        // EB 10 (jmp +16) at physical 10100h; the landing pads are HLTs.
        var m = new CoreMachine(CpuModel.I8086, a => a.hlt());
        m.Memory.Load(0x1_0100, [0xEB, 0x10]);
        m.Memory.Load(0x1_0112, [0xF4]);

        m.Cpu.CS = 0x1000;
        m.Cpu.IP = 0x0100;
        m.Cpu.Run(1);
        m.Cpu.IP.Should().Be(0x0112);

        m.Cpu.CS = 0x1010;
        m.Cpu.IP = 0x0000;
        m.Cpu.Run(1);
        m.Cpu.IP.Should().Be(0x0012, "the cached jump must be relative to the new IP");
    }
}

public class RepeatSuspensionTests
{
    [Fact]
    public void A_rep_with_four_billion_iterations_stops_at_the_run_budget_and_resumes()
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(ecx, 0xFFFF_FFFF);
            a.xor(edi, edi);
            a.mov(ax, 0x2000);
            a.mov(es, ax);
            a.rep.stosb();
            a.hlt();
        });

        m.Cpu.Run(10_000).Should().Be(StopReason.InstructionLimit);
        m.Cpu.Retired.Should().Be(10_000);
        m.Cpu.IP.Should().Be((ushort)(CoreMachine.CodeOffset + 14), "IP stays on the suspended REP STOSB");
        uint done = 0xFFFF_FFFF - m.Cpu.Ecx;
        done.Should().Be(10_000 - 4, "every retired step after the four set-up instructions stored one byte");
        m.Cpu.Edi.Should().Be(done);

        m.Cpu.Run(1_000);
        (0xFFFF_FFFF - m.Cpu.Ecx).Should().Be(done + 1_000, "the instruction resumes where it stopped");
    }

    [Fact]
    public void Step_still_runs_a_rep_instruction_to_completion()
    {
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            a.rep.stosw();
            a.hlt();
        });
        m.Cpu.CX = 300;
        m.Cpu.ES = 0x2000;

        m.Cpu.Step();

        m.Cpu.CX.Should().Be(0);
        m.Cpu.DI.Should().Be(600);
        m.Cpu.IP.Should().Be(CoreMachine.CodeOffset + 2);
    }
}

public class InterruptDeliveryTests
{
    /// <summary>An interrupt controller that always has one vector waiting.</summary>
    private sealed class OneVector(int vector) : IInterruptAcknowledge
    {
        public int Acknowledged;
        public int Acknowledge()
        {
            Acknowledged++;
            return vector;
        }
    }

    [Fact]
    public void The_trap_flag_raises_int1_after_each_instruction_and_the_handler_runs_untraced()
    {
        // INT 1 handler: inc bp ; iret.  Program: set TF with PUSHF/POPF, three NOPs, clear TF, HLT.
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            a.pushf();
            a.pop(ax);
            a.or(ax, 0x100);
            a.push(ax);
            a.popf();       // TF takes effect after the next instruction
            a.nop();
            a.nop();
            a.nop();
            a.and(ax, unchecked((short)0xFEFF));
            a.push(ax);
            a.popf();       // traps once more: TF was set when POPF began
            a.hlt();
        });
        m.Memory.Load(0x9000, [0x45, 0xCF]);          // inc bp ; iret
        m.Memory.Load(1 * 4, [0x00, 0x90, 0x00, 0x00]); // vector 1 -> 0000:9000

        m.RunToHalt();

        // Traps after: nop, nop, nop, and, push, popf = 6 (the POPF that set TF is not trapped).
        m.Cpu.BP.Should().Be(6);
    }

    [Fact]
    public void External_interrupts_wait_for_IF_and_for_the_shadow_after_sti()
    {
        var pic = new OneVector(0x20);
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            a.nop();
            a.sti();
            a.inc(bx);      // runs inside STI's shadow, before the interrupt
            a.hlt();
        });
        m.Memory.Load(0x9100, [0xF4]);                   // the handler halts
        m.Memory.Load(0x20 * 4, [0x00, 0x91, 0x00, 0x00]);
        m.Cpu.InterruptController = pic;
        m.Cpu.SetInterruptLine(true);

        m.RunToHalt();

        m.Cpu.BX.Should().Be(1, "the instruction after STI runs before the interrupt is taken");
        m.Cpu.IP.Should().Be(0x9101, "the CPU halted in the handler");
        pic.Acknowledged.Should().Be(1);
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 3, "the interrupted IP is after INC BX");
    }

    // The request arrives while IF is clear and stays pending over several instructions; the instruction
    // that sets IF (POPF, IRET: no shadow) is the last before the interrupt is taken.
    [Theory]
    [InlineData("popf", new byte[] { 0x90, 0x90, 0x90, 0x68, 0x02, 0x02, 0x9D, 0x43, 0xF4 }, 0x107)]
    [InlineData("iret", new byte[] { 0x90, 0x90, 0x90, 0x68, 0x02, 0x02, 0x6A, 0x00, 0x68, 0x0C, 0x01, 0xCF, 0x43, 0xF4 }, 0x10C)]
    public void A_request_held_off_by_IF_is_taken_right_after_the_instruction_that_sets_IF(string how, byte[] code, int resumeIp)
    {
        // nop x3, then: push 0202h ; popf           | push 0202h ; push 0 ; push resumeIp ; iret
        // then (at resumeIp): inc bx ; hlt
        var pic = new OneVector(0x20);
        var m = new CoreMachine(CpuModel.I386, code);
        m.Memory.Load(0x9100, [0xF4]);
        m.Memory.Load(0x20 * 4, [0x00, 0x91, 0x00, 0x00]);
        m.Cpu.InterruptController = pic;
        m.Cpu.SetInterruptLine(true);

        m.RunToHalt();

        m.Cpu.IP.Should().Be(0x9101, $"the interrupt was taken after {how} and its handler halted");
        m.Cpu.BX.Should().Be(0, "INC BX comes after the interrupt");
        m.Memory.Read16(0xFFF8).Should().Be((ushort)resumeIp, "the interrupted IP is that of INC BX");
        pic.Acknowledged.Should().Be(1);
    }

    [Fact]
    public void Mov_ss_holds_off_interrupts_for_one_instruction()
    {
        var m2 = new CoreMachine(CpuModel.I386, a =>
        {
            a.mov(ax, 0);
            a.mov(ss, ax);
            a.mov(sp, 0xF000);
            a.hlt();
        });
        m2.Memory.Load(0x9100, [0xF4]);
        m2.Memory.Load(0x20 * 4, [0x00, 0x91, 0x00, 0x00]);
        m2.Cpu.InterruptController = new OneVector(0x20);
        m2.Cpu.Flags = CpuFlags.IF;
        m2.Cpu.Run(2);                 // MOV AX,0 and MOV SS,AX
        m2.Cpu.SetInterruptLine(true);
        m2.Cpu.Run(1);                 // MOV SP runs in the shadow
        m2.Cpu.SP.Should().Be(0xF000);
        m2.Cpu.Run(1);                 // now the interrupt is delivered
        m2.Cpu.CS.Should().Be(0);
        m2.Cpu.IP.Should().Be(0x9101);
    }
}
