using Emu.Memory;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// The block engine (Processor.Run.cs) runs straight-line code from consecutive decode-cache slots without
/// looking each instruction up. Every program here runs its code once first, so that the block exists, and
/// then does what a block could get wrong: a store into its own bytes or the next block's, a fault in its
/// middle, a budget that ends in its middle, an interrupt raised by an exit in its middle, TF set in its
/// middle, a far jump to the next IP in another segment. The last test runs random programs with and
/// without blocks and wants the same state after every slice.
/// </summary>
public partial class BlockEngineTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_into_a_later_instruction_of_the_running_block_is_seen_by_that_instruction(bool compiled)
    {
        // Three passes; each stores CL into the immediate of MOV BL,imm8 two instructions further on in the
        // same block, so DX = 3 + 2 + 1. Running the block's stale entry would add 3 on every pass.
        var m = Loop(CpuModel.I8086, passes: 3, compiled, a =>
        {
            a.mov(__byte_ptr[si], cl);
            a.nop();
            a.mov(bl, 0x55);  // B3 ib: the immediate is at SI
            a.add(dx, bx);
        });
        m.Cpu.SI = CoreMachine.CodeOffset + 3 + 2 + 1 + 1;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DX.Should().Be(3 + 2 + 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_into_the_instruction_right_after_it_is_seen_by_that_instruction(bool compiled)
    {
        var m = PatchingTheNextInstruction(passes: 4, compiled);

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DX.Should().Be(4 + 3 + 2 + 1);
    }

    [Fact]
    public void A_loop_that_patches_itself_on_every_pass_is_not_compiled_again_on_every_pass()
    {
        // Each pass's store drops the block holding the instruction it patches: a block dropped soon after its compile
        // waits twice as many starts before the next one, each time.
        var compiled = PatchingTheNextInstruction(passes: 2000, compiled: true);
        var interpreted = PatchingTheNextInstruction(passes: 2000, compiled: false);

        compiled.RunToHalt().Should().Be(StopReason.Halt);
        interpreted.RunToHalt().Should().Be(StopReason.Halt);

        SameState(compiled, interpreted, "compiled against interpreted");
        compiled.Cpu.Compiled.Blocks.Should().BeLessThan(20, "2,000 passes make 11 doublings of the wait, not 2,000 compiles");
    }

    // MOV [SI],CL patches the very next instruction's immediate (MOV BL, imm8), inside one block, on every pass; ADD DX,
    // BX adds what it loaded.
    private static CoreMachine PatchingTheNextInstruction(int passes, bool compiled)
    {
        var m = Loop(CpuModel.I386, passes, compiled, a =>
        {
            a.mov(__byte_ptr[si], cl);
            a.mov(bl, 0x55);  // B3 ib
            a.add(dx, bx);
        });
        m.Cpu.SI = CoreMachine.CodeOffset + 3 + 2 + 1;
        return m;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_into_the_next_block_is_seen_when_control_gets_there(bool compiled)
    {
        // The first block ends with JMP to the second, whose MOV BL,imm8 it patches with CL on every pass.
        var m = Loop(CpuModel.I8086, passes: 5, compiled, a =>
        {
            var second = a.CreateLabel();
            a.mov(__byte_ptr[si], cl);
            a.jmp(second);
            a.nop();
            a.Label(ref second);
            a.mov(bl, 0x55);  // B3 ib
            a.add(dx, bx);
        });
        // mov cx,5 (3) ; mov [si],cl (2) ; jmp short (2) ; nop (1) ; B3 at 0x108, its immediate at 0x109
        m.Cpu.SI = CoreMachine.CodeOffset + 3 + 2 + 2 + 1 + 1;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DX.Should().Be(5 + 4 + 3 + 2 + 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fault_in_the_middle_of_a_block_pushes_its_own_CS_IP_and_keeps_the_work_before_it(bool compiled)
    {
        // Pass 1 reads [BX] with BX = 0; pass 2 with BX = FFFF, a word at offset FFFF: #GP (13) on the 386,
        // a fault whose pushed IP is the MOV's own. The instructions before it in the block have run.
        var m = Loop(CpuModel.I386, passes: 2, compiled, a =>
        {
            a.inc(di);
            a.inc(di);
            a.mov(ax, __word_ptr[bx]);  // at 0x105
            a.inc(bp);
            a.mov(bx, unchecked((short)0xFFFF));
        });

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.InterruptTaken.Should().Be(13);
        m.Cpu.DI.Should().Be(4, "both INC DI of pass 2 ran before the fault");
        m.Cpu.BP.Should().Be(1, "INC BP of pass 2 comes after the fault");
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 5, "the pushed IP is the faulting MOV's");
        m.Memory.Read16(0xFFFA).Should().Be(0, "the pushed CS");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_budget_that_ends_inside_a_block_stops_after_exactly_that_many_instructions(bool compiled)
    {
        // A warm-up pass makes the block; then runs of every length from 1 to 25 each end exactly where
        // the budget says: AX counts the INC AX, Retired the instructions, IP is the next one's.
        CoreMachine Program() => Compiled(compiled, new(CpuModel.I8086, a =>
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            for (int i = 0; i < 8; i++)
                a.inc(ax);
            a.jmp(top);
        }));
        for (int budget = 1; budget <= 25; budget++)
        {
            var m = Program();
            m.Cpu.Run(9).Should().Be(StopReason.InstructionLimit);
            m.Cpu.AX = 0;
            long before = m.Cpu.Retired;

            m.Cpu.Run(budget).Should().Be(StopReason.InstructionLimit);

            m.Cpu.Retired.Should().Be(before + budget, $"a run of {budget}");
            int incs = budget / 9 * 8 + Math.Min(budget % 9, 8);
            m.Cpu.AX.Should().Be((ushort)incs, $"INC AX retired in a run of {budget}");
            int position = budget % 9;
            m.Cpu.IP.Should().Be((ushort)(CoreMachine.CodeOffset + position), $"the next instruction after a run of {budget}");
        }
    }

    /// <summary>A program that runs <paramref name="body"/> <paramref name="passes"/> times (MOV CX,passes ;
    /// body ; LOOP ; HLT), so that every pass after the first runs the block the first one made. The body
    /// starts at CodeOffset + 3.</summary>
    private static CoreMachine Loop(CpuModel model, int passes, bool compiled, Action<Assembler> body) => Compiled(compiled, new(model, a =>
    {
        var top = a.CreateLabel();
        a.mov(cx, (short)passes);
        a.Label(ref top);
        body(a);
        a.loop(top);
        a.hlt();
    }));

    /// <summary>With <paramref name="compiled"/>, a block is compiled to IL the first time it starts after it was
    /// decoded (Compilation/BlockCompiler.cs), so that every pass after the first runs compiled code.</summary>
    private static CoreMachine Compiled(bool compiled, CoreMachine m)
    {
        m.Cpu.CompileThreshold = compiled ? 1 : 0;
        return m;
    }

    /// <summary>Raises IRQ (vector 20h) on the program's second OUT; the handler at 0000:9100 halts.</summary>
    private static void RaiseOnSecondOut(CoreMachine m)
    {
        m.Memory.Load(0x9100, [0xF4]);
        m.Memory.Load(0x20 * 4, [0x00, 0x91, 0x00, 0x00]);
        var device = new RaiseOnOut(m.Cpu, 2);
        m.Cpu.ExitHandler = device;
        m.Cpu.InterruptController = device;
    }

    /// <summary>Raises the interrupt line on the OUT numbered <paramref name="raiseOn"/>.</summary>
    private sealed class RaiseOnOut(Processor cpu, int raiseOn) : ExitHandler, IInterruptAcknowledge
    {
        public int Outs;

        public override void HandleExit(Processor c, ref VmExit exit)
        {
            if (exit.Reason == ExitReason.Io && exit.IsWrite && ++Outs == raiseOn)
                cpu.SetInterruptLine(true);
            // An IN reads what the exit saw: the instructions retired before it and its own IP.
            if (!exit.IsWrite)
                exit.Value = (uint)(cpu.Retired * 31 + exit.Ip);
        }

        public int Acknowledge()
        {
            cpu.SetInterruptLine(false);
            return 0x20;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_port_write_that_opens_the_A20_gate_moves_the_very_next_memory_access_of_the_block(bool compiled)
    {
        // DS = FFFFh: [0010h] is linear 100000h, physical 0 (1111h) with A20 off, the HMA's first word (2222h) with it
        // on. Each pass: OUT 92h,AL, then ADD BX,[0010h]. The third OUT opens the gate: passes 3 to 5 read the HMA.
        var m = Loop(CpuModel.I286, passes: 5, compiled, a =>
        {
            a.@out(0x92, al);
            a.add(bx, __word_ptr[0x10]);
        });
        m.Memory.Load(0x000000, [0x11, 0x11]);
        m.Memory.Load(0x100000, [0x22, 0x22]);
        m.Cpu.DS = 0xFFFF;
        var gate = new A20OnThirdOut(m.Memory);
        m.Cpu.ExitHandler = gate;

        m.RunToHalt().Should().Be(StopReason.Halt);

        gate.Outs.Should().Be(5);
        m.Cpu.BX.Should().Be(2 * 0x1111 + 3 * 0x2222);
        m.Cpu.CompiledInstructions.Should().Be(compiled ? (3L, 0L) : (0L, 0L), "one block: the OUT, the ADD and the LOOP");
    }

    /// <summary>Opens the A20 gate on the third OUT, as a write to port 92h would.</summary>
    private sealed class A20OnThirdOut(GuestMemory memory) : ExitHandler
    {
        public int Outs;

        public override void HandleExit(Processor cpu, ref VmExit exit)
        {
            if (exit.Reason == ExitReason.Io && exit.IsWrite && ++Outs == 3)
                memory.A20Enabled = true;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_interrupt_raised_by_an_exit_in_the_middle_of_a_block_is_taken_after_that_instruction(bool compiled)
    {
        // IF = 1. Pass 2's OUT raises IRQ: it is taken before the INC BX after it, not at the block's end.
        var m = Loop(CpuModel.I386, passes: 2, compiled, a =>
        {
            a.inc(ax);
            a.@out(0x80, al);
            a.inc(bx);        // at 0x106
            a.inc(bx);
        });
        RaiseOnSecondOut(m);
        m.Cpu.Flags = CpuFlags.IF;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.IP.Should().Be(0x9101, "the handler halted");
        m.Cpu.BX.Should().Be(2, "only pass 1's INC BX ran");
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 6, "the interrupted IP is the INC BX after the OUT");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_request_pending_while_IF_is_clear_is_taken_after_the_instruction_that_follows_STI_in_a_block(bool compiled)
    {
        // Pass 1 ends with CLI, so pass 2 runs the block with IF = 0 and the request pending until its STI.
        var m = Loop(CpuModel.I386, passes: 2, compiled, a =>
        {
            a.inc(ax);
            a.@out(0x80, al);
            a.inc(si);
            a.sti();
            a.inc(bx);        // in STI's shadow: runs before the interrupt
            a.inc(bx);        // at 0x109
            a.cli();
        });
        RaiseOnSecondOut(m);

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.IP.Should().Be(0x9101);
        m.Cpu.SI.Should().Be(2, "pass 2's INC SI ran with IF clear");
        m.Cpu.BX.Should().Be(3, "pass 1's two INC BX and pass 2's first, in the shadow");
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 9);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TF_set_by_POPF_in_the_middle_of_a_block_traps_after_the_next_instruction(bool compiled)
    {
        // Pass 1 (CL = 2) leaves TF clear; pass 2 (CL = 1) sets it with POPF: one INC BX, then INT 1.
        var m = Loop(CpuModel.I8086, passes: 2, compiled, a =>
        {
            a.pushf();
            a.pop(ax);
            a.mov(ah, cl);
            a.and(ah, 1);     // TF is bit 8: AH bit 0
            a.push(ax);
            a.popf();
            a.inc(bx);
            a.inc(bx);        // at 0x10D
            a.inc(bx);
        });

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.InterruptTaken.Should().Be(1);
        m.Cpu.BX.Should().Be(3 + 1);
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 0xD, "the trap's pushed IP is the second INC BX");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_far_jump_to_the_next_IP_in_another_segment_runs_the_code_there(bool compiled)
    {
        // JMP FAR [3000h] (4 bytes) whose pointer names 0000:0104, the next instruction, on the first run
        // and 0100:0104 (linear 1104h, other code) on the second: the block after the jump must not run on.
        var m = Compiled(compiled, new CoreMachine(CpuModel.I8086, a =>
        {
            a.jmp(__dword_ptr[0x3000]);
            a.mov(ax, 1);
            a.hlt();
        }));
        m.Memory.Load(0x1104, [0xB8, 0x02, 0x00, 0xF4]); // mov ax,2 ; hlt
        m.Memory.Load(0x3000, [0x04, 0x01, 0x00, 0x00]);
        m.RunToHalt().Should().Be(StopReason.Halt);
        m.Cpu.AX.Should().Be(1);

        m.Memory.Load(0x3000, [0x04, 0x01, 0x00, 0x01]);
        m.Cpu.Reset();
        m.Cpu.CS = 0;
        m.Cpu.IP = CoreMachine.CodeOffset;
        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.AX.Should().Be(2);
        m.Cpu.CS.Should().Be(0x0100);
    }

    // ---- memory operands that are not plain: compiled blocks take the slow path (Compilation/BlockEmitter.cs) ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_read_modify_write_of_a_later_instruction_in_the_running_block_is_seen_by_that_instruction(bool compiled)
    {
        // ADD [SI],CL adds the pass's CL (4, 3, 2, 1) to the immediate of MOV BL,imm8 two instructions on, in the same
        // block: BL is 10h plus every CL so far. Running the block's stale copy would add 14h on every pass.
        var m = Loop(CpuModel.I386, passes: 4, compiled, a =>
        {
            a.add(__byte_ptr[si], cl);
            a.nop();
            a.mov(bl, 0x10);  // B3 ib: the immediate is at SI
            a.add(dx, bx);
        });
        m.Cpu.SI = CoreMachine.CodeOffset + 3 + 2 + 1 + 1;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DX.Should().Be(0x14 + 0x17 + 0x19 + 0x1A);
        m.Memory.Bytes[m.Cpu.SI].Should().Be(0x1A);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MMIO_accesses_in_the_middle_of_a_compiled_block_see_the_exact_count_and_happen_once(bool compiled)
    {
        // Page 5000h is MMIO. Each pass: INC BX ; ADD AX,[5000h] (a read exit) ; ADD [5002h],AX (a read and a write
        // exit, the read never repeated) ; INC DX ; LOOP. Every exit names its instruction and the instructions
        // retired before it; a read answers that count, so AX adds them up.
        var m = Loop(CpuModel.I386, passes: 5, compiled, a =>
        {
            a.inc(bx);                           // 0103
            a.add(ax, __word_ptr[0x5000]);       // 0104
            a.add(__word_ptr[0x5002], ax);       // 0108
            a.inc(dx);                           // 010C
        });
        m.Memory.Map(0x5000, GuestMemory.PageSize, PageKind.Mmio);
        var device = new RecordingDevice();
        m.Cpu.ExitHandler = device;

        m.RunToHalt().Should().Be(StopReason.Halt);

        var expected = new List<(long, uint, bool, uint)>();
        ushort sum = 0;
        for (int pass = 0; pass < 5; pass++)
        {
            long before = 1 + 5 * pass; // MOV CX, then five instructions a pass
            expected.Add((before + 1, 0x104, false, 0x5000));
            sum += (ushort)(before + 1);
            expected.Add((before + 2, 0x108, false, 0x5002));
            expected.Add((before + 2, 0x108, true, 0x5002));
        }
        device.Accesses.Should().Equal(expected);
        m.Cpu.AX.Should().Be(sum);
        (m.Cpu.BX, m.Cpu.DX).Should().Be(((ushort)5, (ushort)5));
        m.Cpu.Retired.Should().Be(1 + 5 * 5 + 1);
    }

    /// <summary>Answers an MMIO read with the count of instructions retired before it; records every access.</summary>
    private sealed class RecordingDevice : ExitHandler
    {
        public readonly List<(long Retired, uint Ip, bool Write, uint Address)> Accesses = [];

        public override void HandleExit(Processor cpu, ref VmExit exit)
        {
            Accesses.Add((cpu.Retired, exit.Ip, exit.IsWrite, exit.Address));
            if (!exit.IsWrite)
                exit.Value = (uint)cpu.Retired;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_watched_page_reports_every_access_of_a_compiled_block_at_its_instruction(bool compiled)
    {
        // Page 6000h is watched. Each pass: INC BX ; MOV [6000h],BX ; ADD AX,[6000h] ; INC WORD [6002h] ; LOOP.
        var m = Loop(CpuModel.I8086, passes: 3, compiled, a =>
        {
            a.inc(bx);                           // 0103
            a.mov(__word_ptr[0x6000], bx);       // 0104
            a.add(ax, __word_ptr[0x6000]);       // 0108
            a.inc(__word_ptr[0x6002]);           // 010C
        });
        m.Memory.SetWatched(0x6000, true).Should().BeTrue();
        var watch = new RecordingWatch(m.Cpu);
        m.Memory.Watch = watch;

        m.RunToHalt().Should().Be(StopReason.Halt);

        var expected = new List<(uint, bool, long, ushort)>();
        for (int pass = 0; pass < 3; pass++)
        {
            long before = 1 + 5 * pass;
            expected.AddRange([(0x6000, true, before + 1, 0x104), (0x6001, true, before + 1, 0x104)]);
            expected.AddRange([(0x6000, false, before + 2, 0x108), (0x6001, false, before + 2, 0x108)]);
            expected.AddRange([(0x6002, false, before + 3, 0x10C), (0x6003, false, before + 3, 0x10C)]);
            expected.AddRange([(0x6002, true, before + 3, 0x10C), (0x6003, true, before + 3, 0x10C)]);
        }
        watch.Accesses.Should().Equal(expected);
        m.Cpu.AX.Should().Be(1 + 2 + 3);
        m.Memory.Read16(0x6002).Should().Be(3);
    }

    private sealed class RecordingWatch(Processor cpu) : IMemoryWatch
    {
        public readonly List<(uint Address, bool Write, long Retired, ushort Ip)> Accesses = [];

        public void Accessed(uint physicalAddress, bool isWrite) => Accesses.Add((physicalAddress, isWrite, cpu.Retired, cpu.InstructionIp));
    }

    [Theory]
    [InlineData(CpuModel.I8086, false)]
    [InlineData(CpuModel.I8086, true)]
    [InlineData(CpuModel.I286, false)]
    [InlineData(CpuModel.I286, true)]
    public void A_word_at_offset_FFFF_in_a_compiled_block_wraps_on_the_8086_and_faults_on_the_286(CpuModel model, bool compiled)
    {
        // BX counts down from 1, changed in the block just before the accesses: pass 1 reads and writes the word at
        // DS:0000, pass 2 the word at DS:FFFF, which the 8086 wraps to DS:0000 and the 286 faults on (#GP, 13, IP the
        // MOV's). DS is 2010h: FFFF is not at a page's end (linear 300FFh), only the segment's.
        var m = Loop(model, passes: 2, compiled, a =>
        {
            a.inc(di);                           // 0103
            a.dec(bx);                           // 0104
            a.mov(ax, __word_ptr[bx]);           // 0105
            a.mov(__word_ptr[bx + si], dx);      // 0107
            a.inc(bp);                           // 0109
        });
        m.Cpu.DS = 0x2010;
        m.Cpu.BX = 1;
        m.Cpu.DX = 0xABCD;
        m.Memory.Load(0x300FF, [0x34]);

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DI.Should().Be(2, "both passes' INC DI ran");
        m.Cpu.BX.Should().Be(0xFFFF);
        if (model == CpuModel.I8086)
        {
            m.Cpu.AX.Should().Be(0xCD34, "the word at FFFF is FFFF's byte and 0000's, which pass 1 wrote");
            (m.Memory.Bytes[0x300FF], m.Memory.Bytes[0x20100]).Should().Be(((byte)0xCD, (byte)0xAB));
            m.Memory.Bytes[0x30100].Should().Be(0, "nothing was written past the segment");
            m.Cpu.BP.Should().Be(2);
        }
        else
        {
            m.InterruptTaken.Should().Be(13);
            m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 5, "the pushed IP is the faulting MOV's");
            m.Memory.Bytes[0x300FF].Should().Be(0x34, "nothing was written at FFFF");
            m.Cpu.BP.Should().Be(1, "pass 2's INC BP comes after the fault");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stores_into_ROM_from_a_compiled_block_are_dropped_and_its_reads_see_the_ROM(bool compiled)
    {
        // Page 7000h is ROM holding 2211h, 4433h. Each pass stores AX there and adds 5 to the second word, then
        // reads the first: the stores change nothing.
        var m = Loop(CpuModel.I386, passes: 4, compiled, a =>
        {
            a.inc(ax);
            a.mov(__word_ptr[di], ax);
            a.add(__word_ptr[di + 2], 5);
            a.add(bx, __word_ptr[di]);
            a.push(__word_ptr[di + 2]);
            a.pop(dx);
        });
        m.Memory.Load(0x7000, [0x11, 0x22, 0x33, 0x44]);
        m.Memory.Map(0x7000, GuestMemory.PageSize, PageKind.Rom);
        m.Cpu.DI = 0x7000;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.BX.Should().Be(unchecked((ushort)(4 * 0x2211)));
        m.Cpu.DX.Should().Be(0x4433);
        m.Memory.Bytes[0x7000..0x7004].ToArray().Should().Equal(0x11, 0x22, 0x33, 0x44);
    }

    [Theory]
    [InlineData(CpuModel.I8086, false)]
    [InlineData(CpuModel.I286, false)]
    [InlineData(CpuModel.I386, false)]
    [InlineData(CpuModel.I8086, true)]
    [InlineData(CpuModel.I286, true)]
    [InlineData(CpuModel.I386, true)]
    public void Random_programs_run_alike_with_and_without_blocks(CpuModel model, bool compiled)
    {
        // Loops, forward branches, if/else, inner loops, a handler dispatching on AL, stores into the program's own
        // bytes, OUTs that raise interrupts, faults, near and far CALLs and JMPs through registers and pointers (which
        // change while the code is hot, or name another CS):
        // after every slice of a random size both CPUs must agree on everything a guest can see.
        var random = new Random(4321 + (int)model);
        long inline = 0, handler = 0;
        for (int program = 0; program < 1000; program++)
        {
            byte[] code = RandomProgram(random);
            byte[] data = new byte[256];
            random.NextBytes(data);
            ushort[] regs = [.. Enumerable.Range(0, 8).Select(_ => (ushort)random.Next(0x10000))];
            int raiseOn = random.Next(1, 20);
            var plain = Start(model, code, data, regs, raiseOn, blocks: false, compiled: false);
            var blocks = Start(model, code, data, regs, raiseOn, blocks: true, compiled);
            // Compiled on a block's first start, or on its second or third, when both sides of its branches may
            // have run: a region.
            if (compiled)
                blocks.Cpu.CompileThreshold = 1 + program % 3;
            string where = $"{model} program {program} ({Convert.ToHexString(code)})";
            for (int slice = 0; slice < 40; slice++)
            {
                int budget = random.Next(1, 200);
                var stopPlain = plain.Cpu.Run(budget);
                var stopBlocks = blocks.Cpu.Run(budget);
                stopBlocks.Should().Be(stopPlain, where);
                SameState(blocks, plain, $"{where}, slice {slice}");
                if (stopPlain != StopReason.InstructionLimit)
                    break;
            }
            inline += blocks.Cpu.CompiledInstructions.Inline;
            handler += blocks.Cpu.CompiledInstructions.Handler;
        }
        if (compiled)
        {
            inline.Should().BeGreaterThan(1_000, "the programs' blocks ran compiled, their common forms inline");
            handler.Should().BeGreaterThan(100, "and the other instructions as handler calls");
        }
    }

    [Fact]
    public void A_compiled_block_reached_through_another_segment_runs_with_that_segment_s_IPs()
    {
        // The loop is compiled at 0000:0103; then the same bytes run as 0010:0003. The compiled block's IPs
        // (its loop target, the IP it leaves with) are those of the first segment: it must not run there.
        var m = Loop(CpuModel.I8086, passes: 3, compiled: true, a =>
        {
            a.inc(ax);
            a.inc(ax);
            a.inc(bx);
            a.inc(dx);
        });
        m.RunToHalt().Should().Be(StopReason.Halt);
        m.Cpu.CompiledInstructions.Inline.Should().Be(5, "the loop body and LOOP were compiled");

        m.Cpu.Reset();
        m.Cpu.CS = 0x0010;
        m.Cpu.IP = 0x0000;
        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.AX.Should().Be(6);
        (m.Cpu.CS, m.Cpu.IP).Should().Be(((ushort)0x0010, (ushort)(3 + 4 + 2 + 1)), "halted after the HLT in the second segment");
    }

    [Fact]
    public void A_hot_ALU_loop_compiles_with_every_instruction_inline_and_computes_what_the_interpreter_does()
    {
        // The bench guests' mix: MOV r,r ; ADD r,r ; XOR r,r ; INC r ; MOV [m],r ; ADD r,[m] ; PUSH ; POP ;
        // CMP r,r ; DEC r ; and LOOP back to the top.
        CoreMachine Run(bool compiled)
        {
            var m = Loop(CpuModel.I386, passes: 50, compiled, a =>
            {
                a.mov(ax, bx);
                a.add(ax, dx);
                a.xor(si, si);
                a.inc(bx);
                a.mov(__word_ptr[0x3000], ax);
                a.add(dx, __word_ptr[0x3000]);
                a.push(ax);
                a.pop(di);
                a.cmp(ax, di);
                a.dec(bp);
            });
            m.RunToHalt().Should().Be(StopReason.Halt);
            return m;
        }

        var compiledRun = Run(compiled: true);
        var interpreted = Run(compiled: false);

        compiledRun.Cpu.CompiledInstructions.Should().Be((11L, 0L), "one block of 10 operations and the LOOP, no handler call");
        interpreted.Cpu.CompiledInstructions.Should().Be((0L, 0L));
        SameState(compiledRun, interpreted, "the ALU loop");
    }

    [Fact]
    public void MUL_IMUL_DIV_and_IDIV_of_every_width_and_operand_kind_run_inline_in_a_hot_loop_as_the_interpreter_runs_them()
    {
        CoreMachine Run(bool compiled)
        {
            var m = Loop(CpuModel.I386, passes: 50, compiled, a =>
            {
                a.mov(eax, ecx);
                a.add(eax, 0x12345);
                a.mov(ebx, 0x10001);
                a.mul(ebx);                     // EDX:EAX, 32-bit register
                a.mov(__dword_ptr[0x3000], eax);
                a.mov(esi, 3);
                a.div(esi);                     // 32-bit register
                a.imul(__word_ptr[0x3000]);     // DX:AX, 16-bit memory
                a.mov(ax, cx);
                a.mov(bl, 3);
                a.idiv(bl);                     // AL, AH: 8-bit register
                a.mul(ah);                      // AX = AL x AH: a high byte register
                a.mov(__byte_ptr[0x3004], 7);
                a.div(__byte_ptr[0x3004]);      // 8-bit memory
                a.mov(ax, cx);
                a.neg(ax);
                a.cwd();
                a.mov(__word_ptr[0x3006], -5);
                a.idiv(__word_ptr[0x3006]);     // a negative dividend, 16-bit memory
                a.imul(si, ax, -300);           // three operands: register, 16-bit immediate
                a.imul(edi, __dword_ptr[0x3000], 7); // memory, 8-bit immediate, 32 bits
                a.imul(di, __word_ptr[0x3006]); // two operands: reg *= memory
                a.imul(esi, edi);               // two operands, 32-bit registers
            });
            m.RunToHalt().Should().Be(StopReason.Halt);
            return m;
        }

        var compiledRun = Run(compiled: true);
        var interpreted = Run(compiled: false);

        compiledRun.Cpu.CompiledInstructions.Should().Be((24L, 0L), "one block, all inline, the LOOP too");
        SameState(compiledRun, interpreted, "the MUL/DIV loop");
    }

    [Theory]
    [InlineData(CpuModel.I8086)]
    [InlineData(CpuModel.I286)]
    [InlineData(CpuModel.I386)]
    public void String_instructions_without_REP_run_inline_in_a_hot_loop_as_the_interpreter_runs_them(CpuModel model)
    {
        // A byte copy with LODSB/STOSB, a word copy with MOVSW from an SS override, a compare of the two with CMPSB
        // and a scan of the copy with SCASW, backwards (DF set) the second time round: 2 x 40 passes.
        CoreMachine Run(bool compiled)
        {
            var m = new CoreMachine(model, a =>
            {
                var top = a.CreateLabel();
                a.mov(si, 0x3000);
                a.mov(di, 0x3100);
                a.mov(dx, 2);
                var direction = a.CreateLabel();
                a.Label(ref direction);
                a.mov(cx, 40);
                a.Label(ref top);
                a.lodsb();
                a.add(al, 3);
                a.stosb();
                a.db(0x36, 0xA5);                   // movsw from SS:SI
                a.db(0xA6);                         // cmpsb
                a.db(0xAF);                         // scasw
                a.loop(top);
                a.std();
                a.dec(dx);
                a.jnz(direction);
                a.cld();
                a.hlt();
            });
            Compiled(compiled, m);
            m.Memory.Load(0x3000, [.. Enumerable.Range(0, 256).Select(i => (byte)(i * 7))]);
            m.RunToHalt().Should().Be(StopReason.Halt);
            return m;
        }

        var compiledRun = Run(compiled: true);
        var interpreted = Run(compiled: false);

        compiledRun.Cpu.CompiledInstructions.Should().Be((18L, 0L), "two blocks, all inline");
        SameState(compiledRun, interpreted, "the string loop");
    }

    // FLAGS on the 386 after ADD AX,1 with AX = 7FFF: OF SF AF PF, and bit 1.
    private const ushort AddOverflowFlags = 0x0896;

    [Theory]
    [InlineData(0, false)]
    [InlineData(0, true)]
    [InlineData(13, false)]
    [InlineData(13, true)]
    public void FLAGS_pushed_by_a_fault_right_after_an_inline_ALU_operation_are_that_operation_s(int vector, bool compiled)
    {
        // Pass 2 faults right after ADD AX,CX, and the FLAGS pushed must be 7FFF + 1's (pass 1 left 7FFF + 2's, PF
        // clear): #DE dividing by BX = 0 (an inline DIV, which faults through its handler), or #GP reading a word at
        // offset BX = FFFF (an inline MOV).
        var m = Loop(CpuModel.I386, passes: 2, compiled, a =>
        {
            a.mov(bx, cx);
            a.sub(bx, (short)(vector == 0 ? 1 : 2));
            a.xor(dx, dx);
            a.mov(ax, 0x7FFF);
            a.add(ax, cx);
            if (vector == 0)
                a.div(bx);
            else
                a.mov(dx, __word_ptr[bx]);
        });

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.InterruptTaken.Should().Be(vector);
        m.Memory.Read16(0xFFFC).Should().Be(AddOverflowFlags, "the FLAGS pushed are ADD's");
        m.Cpu.CompiledInstructions.Inline.Should().Be(compiled ? 7 : 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void XLAT_in_a_hot_block_reads_the_byte_at_BX_plus_AL_only(bool compiled)
    {
        // AH is 12h each pass, so a table index taken from all of AX would read 1205h past BX, not 05h.
        var m = Loop(CpuModel.I8086, passes: 3, compiled, a =>
        {
            a.mov(bx, 0x3000);
            a.mov(ax, 0x1205);
            a.xlatb();
            a.add(dl, al);
        });
        m.Memory.Load(0x3005, [0x21]);
        m.Memory.Load(0x4205, [0x40]);

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DL.Should().Be(3 * 0x21, "every pass added the table entry 05h past BX");
        m.Cpu.CompiledInstructions.Inline.Should().Be(compiled ? 5 : 0, "MOV, MOV, XLAT, ADD and the LOOP");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PUSHF_LAHF_and_INT_after_inline_ALU_operations_in_a_hot_block_see_those_operations_FLAGS(bool compiled)
    {
        // Each reads FLAGS right after an inline ALU operation, inline itself: PUSHF after ADD (OF SF AF PF),
        // LAHF after SUB BX,BX (ZF PF), INT 30h after CMP DL,47h with DL = 46h (CF SF AF PF; the handler IRETs).
        var m = Loop(CpuModel.I386, passes: 3, compiled, a =>
        {
            a.mov(ax, 0x7FFF);
            a.add(ax, 1);
            a.pushf();
            a.pop(si);
            a.sub(bx, bx);
            a.lahf();
            a.mov(dl, ah);
            a.cmp(dl, 0x47);
            a.@int(0x30);
        });
        m.Memory.Load(0x9000, [0xCF]);
        m.Memory.Load(0x30 * 4, [0x00, 0x90, 0x00, 0x00]);

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.SI.Should().Be(AddOverflowFlags, "PUSHF pushed ADD's FLAGS");
        m.Cpu.DL.Should().Be(0x46, "LAHF loaded SUB's ZF and PF (and bit 1)");
        m.Memory.Read16(0xFFFC).Should().Be(0x0097, "INT pushed CMP's FLAGS");
        m.Cpu.CompiledInstructions.Inline.Should().Be(compiled ? 11 : 0, "eight operations (PUSHF and LAHF among them), INT 30h, its handler's IRET and the LOOP");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_exit_handler_reading_FLAGS_right_after_an_inline_ALU_operation_sees_that_operation_s(bool compiled)
    {
        var m = Loop(CpuModel.I386, passes: 3, compiled, a =>
        {
            a.mov(ax, 0x7FFF);
            a.add(ax, 1);
            a.@out(0x80, al);
            a.inc(bx);
        });
        var device = new FlagsAtOut();
        m.Cpu.ExitHandler = device;

        m.RunToHalt().Should().Be(StopReason.Halt);

        device.Seen.Should().Equal(AddOverflowFlags, AddOverflowFlags, AddOverflowFlags);
        m.Cpu.CompiledInstructions.Should().Be(compiled ? (5L, 0L) : (0L, 0L), "the OUT calls the exit path itself");
    }

    /// <summary>Keeps FLAGS as the processor shows them at every OUT.</summary>
    private sealed class FlagsAtOut : ExitHandler
    {
        public readonly List<uint> Seen = [];

        public override void HandleExit(Processor c, ref VmExit exit)
        {
            if (exit.Reason == ExitReason.Io && exit.IsWrite)
                Seen.Add(c.Flags);
        }
    }

    [Fact]
    public void A_budget_that_ends_inside_a_compiled_loop_leaves_FLAGS_as_the_interpreter_does()
    {
        // The loop's ALU operations leave a record pending at every instruction boundary; a run of every length
        // from 1 to 60 stops somewhere in a pass (the compiled loop leaves when the budget cannot hold another):
        // FLAGS and the registers must be the interpreter's.
        CoreMachine Program(bool compiled) => Loop(CpuModel.I386, passes: 40, compiled, a =>
        {
            a.add(ax, 0x1234);
            a.inc(bx);
            a.cmp(ax, bx);
            a.sub(dx, ax);
        });
        for (int budget = 1; budget <= 60; budget++)
        {
            var compiledRun = Program(compiled: true);
            var interpreted = Program(compiled: false);

            compiledRun.Cpu.Run(budget).Should().Be(StopReason.InstructionLimit);
            interpreted.Cpu.Run(budget).Should().Be(StopReason.InstructionLimit);

            SameState(compiledRun, interpreted, $"a run of {budget}");
            if (budget >= 11)
                compiledRun.Cpu.CompiledInstructions.Inline.Should().Be(5, $"the loop ran compiled in a run of {budget}");
        }
    }

    private static void SameState(CoreMachine actual, CoreMachine expected, string where)
    {
        Processor a = actual.Cpu, e = expected.Cpu;
        a.Retired.Should().Be(e.Retired, $"retired, {where}");
        (a.CS, a.IP).Should().Be((e.CS, e.IP), $"CS:IP, {where}");
        for (int r = 0; r < 8; r++)
            a.GetRegister32(r).Should().Be(e.GetRegister32(r), $"register {r}, {where}");
        (a.DS, a.ES, a.SS).Should().Be((e.DS, e.ES, e.SS), $"segments, {where}");
        a.Flags.Should().Be(e.Flags, $"FLAGS, {where}");
        a.InterruptsDelivered.Should().Be(e.InterruptsDelivered, $"interrupts, {where}");
        // 128 KiB: ES can be F00h, and a string instruction store anywhere in that segment.
        actual.Memory.Bytes[..0x2_0000].SequenceEqual(expected.Memory.Bytes[..0x2_0000]).Should().BeTrue($"memory, {where}");
    }

    private const uint Data = 0x3000;
    private const uint FarStub = 0x80A0;
    // A handler that dispatches on AL to one of three ways, each ending in its own IRET (INT 3Dh, or PUSHF and
    // CALL 0000:8200): TEST AL,1 ; JNZ odd ; TEST AL,2 ; JZ zero ; INC BP ; IRET ; zero: DEC BP ; IRET ;
    // odd: ADD [3000h],BP ; IRET.
    private const uint Dispatcher = 0x8200;
    private const byte DispatcherLow = (byte)(Dispatcher & 0xFF), DispatcherHigh = (byte)(Dispatcher >> 8), DispatcherVector = 0x3D;
    private static readonly byte[] DispatcherCode = [0xA8, 0x01, 0x75, 0x08, 0xA8, 0x02, 0x74, 0x02, 0x45, 0xCF, 0x4D, 0xCF, 0x01, 0x2E, 0x00, 0x30, 0xCF];
    private const uint FarPointers = 0x3200, NearPointer = 0x3210;
    private const int NearStub = 0x80C0;

    private static CoreMachine Start(CpuModel model, byte[] code, byte[] data, ushort[] regs, int raiseOn, bool blocks, bool compiled)
    {
        var m = Compiled(compiled, new CoreMachine(model, code));
        m.Cpu.UseBlocks = blocks;
        m.Cpu.FlushDecodeCache();
        m.Memory.Load(Data, data);
        // The handler of every vector the program can raise (below 40h: the code starts at 0100h, inside
        // the IVT): INC BP ; IRET, so that interrupts and faults return into the program.
        for (uint v = 0; v < 0x40; v++)
            m.Memory.Load(CoreMachine.StubBase + 2 * v, [0x45, 0xCF]);
        for (uint v = 0; v < 0x40; v++)
            m.Memory.Load(v * 4, [(byte)(CoreMachine.StubBase + 2 * v), (byte)((CoreMachine.StubBase + 2 * v) >> 8), 0, 0]);
        m.Memory.Load(FarStub, [0x45, 0xCB]); // INC BP ; RETF, called as 0800:00A0 and (through a pointer) 07FA:0100
        m.Memory.Load(FarStub + 0x18, [0x45, 0x45, 0xCB]); // INC BP ; INC BP ; RETF, at 0800:00B8
        m.Memory.Load(FarStub + 0x30, [0x45, 0xCA, 0x02, 0x00]); // INC BP ; RETF 2, at 0800:00D0
        // The pointers the indirect CALLs and JMPs go through (the programs change some of them as they run).
        m.Memory.Load(FarPointers, [0xA0, 0x00, 0x00, 0x08, 0x00, 0x01, 0xFA, 0x07, 0xD0, 0x00, 0x00, 0x08]);
        m.Memory.Load(NearPointer, [NearStub & 0xFF, NearStub >> 8]);
        // INC BP ; RET and INC BP ; INC BP ; RET, called near from CS 0000 and (the copy 100h above) from CS 0010.
        foreach (uint at in (uint[])[NearStub, NearStub + 0x100])
        {
            m.Memory.Load(at, [0x45, 0xC3]);
            m.Memory.Load(at + 4, [0x45, 0x45, 0xC3]);
        }
        m.Memory.Load(Dispatcher, DispatcherCode);
        m.Memory.Load(DispatcherVector * 4u, [DispatcherLow, DispatcherHigh, 0, 0]);

        var device = new RaiseOnOut(m.Cpu, raiseOn);
        m.Cpu.ExitHandler = device;
        m.Cpu.InterruptController = device;
        m.Cpu.AX = regs[0]; m.Cpu.CX = regs[1]; m.Cpu.DX = regs[2]; m.Cpu.BX = regs[3];
        m.Cpu.SP = 0xFFFE; m.Cpu.BP = regs[5]; m.Cpu.SI = regs[6]; m.Cpu.DI = regs[7];
        m.Cpu.Flags = CpuFlags.IF;
        return m;
    }

    private static readonly int[] WordRegs = [0, 1, 2, 3, 6, 7]; // never SP or BP (the handlers count in BP)
    private static readonly int[] NotCx = [0, 2, 3, 6, 7];      // inner loops count in CX

    // F6/F7 /4../7 (MUL IMUL DIV IDIV) with a ModRM of mod/rm `modRm` (its reg field replaced), 8 or 16 bits; a
    // register operand is never SP or BP (`reg` picks one of the others, as a byte register any of the eight).
    private static byte[] MulDivForm(Random random, int reg, int modRm)
    {
        bool word = random.Next(2) == 0;
        int rm = modRm >> 6 == 3 ? (word ? WordRegs[reg % WordRegs.Length] : reg) : modRm & 7;
        return [word ? (byte)0xF7 : (byte)0xF6, (byte)((modRm & 0xC0) | random.Next(4, 8) << 3 | rm)];
    }

    // MOVSB MOVSW CMPSB CMPSW STOSB STOSW LODSB LODSW SCASB SCASW.
    private static readonly byte[] StringOpcodes = [0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF];

    // One string instruction without REP, DF set or clear, a segment override sometimes (the source's; STOS and
    // SCAS ignore it), SI and DI first moved sometimes: to the data, the code (a store into it), or a segment's edge.
    private static byte[] StringForm(Random random)
    {
        var code = new List<byte>();
        ushort[] places = [(ushort)(0x3000 + random.Next(256)), (ushort)(0x0100 + random.Next(0xC0)), 0xFFFF, 0xFFFE, 0x0000];
        if (random.Next(2) == 0)
            code.AddRange([0xBE, .. BitConverter.GetBytes(places[random.Next(places.Length)])]); // mov si, n
        if (random.Next(2) == 0)
            code.AddRange([0xBF, .. BitConverter.GetBytes(places[random.Next(places.Length)])]); // mov di, n
        code.Add(random.Next(3) == 0 ? (byte)0xFD : (byte)0xFC); // std / cld
        if (random.Next(3) == 0)
            code.Add(new byte[] { 0x26, 0x2E, 0x36, 0x3E }[random.Next(4)]);
        code.Add(StringOpcodes[random.Next(StringOpcodes.Length)]);
        return [.. code];
    }

    // 60 instructions, then a jump back to the start: the blocks run many times, so stores into the code
    // hit cached blocks. Branch displacements are small and may land inside an instruction: that is code too.
    private static byte[] RandomProgram(Random random)
    {
        var code = new List<byte>();
        for (int i = 0; i < 60; i++)
        {
            int alu = random.Next(8);
            int r1 = WordRegs[random.Next(WordRegs.Length)], r2 = WordRegs[random.Next(WordRegs.Length)];
            int n1 = NotCx[random.Next(NotCx.Length)], n2 = NotCx[random.Next(NotCx.Length)];
            byte disp = (byte)random.Next(256);
            byte imm = (byte)random.Next(256);
            switch (random.Next(48))
            {
                case 0: code.AddRange([(byte)(0x01 + 8 * alu), (byte)(0xC0 | r2 << 3 | r1)]); break;          // alu r16, r16
                case 1: code.AddRange([0x83, (byte)(0xC0 | alu << 3 | r1), imm]); break;                       // alu r16, imm8
                case 2: code.AddRange([(byte)(0x03 + 8 * alu), (byte)(0x06 | r1 << 3), disp, 0x30]); break;  // alu r16, [m]
                case 3: code.AddRange([(byte)(0x01 + 8 * alu), (byte)(0x06 | r1 << 3), disp, 0x30]); break;  // alu [m], r16
                case 4: code.Add((byte)(0x40 + r1)); break;                                                   // inc r16
                case 5: code.Add((byte)(0x48 + r1)); break;                                                   // dec r16
                case 6: code.AddRange([(byte)(0x70 + random.Next(16)), (byte)random.Next(1, 6)]); break;     // jcc forward
                case 7: code.AddRange([(byte)(0x50 + r1), (byte)(0x58 + r2)]); break;                         // push ; pop
                case 8: code.AddRange([0xC6, 0x06, (byte)(0x00 + random.Next(0xC0)), 0x01, imm]); break;     // mov byte [0100h+n], imm8: into the code
                case 9: code.AddRange([0xE6, 0x80]); break;                                                   // out 80h, al
                case 10: code.Add(random.Next(2) == 0 ? (byte)0xFB : (byte)0xFA); break;                      // sti / cli
                case 11: code.AddRange([0xE2, (byte)(0x100 - random.Next(3, 12))]); break;                    // loop backwards
                case 12: code.AddRange([0xF7, (byte)(0xF0 | r1)]); break;                                      // div r16 (#DE sometimes)
                case 13: code.AddRange([0xBF, disp, 0x30, 0xB9, (byte)random.Next(40), 0x00, 0xF3, 0xAA]); break; // mov di,30xxh ; mov cx,n ; rep stosb
                case 14: code.AddRange([0x9C, 0x58, 0x0D, 0x00, 0x01, 0x50, 0x9D]); break;                   // set TF: pushf; pop ax; or ax,100h; push ax; popf
                case 15:
                    // call sub ; jmp over ; jmp over ; sub: pop r ; (inc r ; inc r) or (nop ; nop) ; push r ; ret ; over:
                    // the routine returns to its CALL's return point, or 2 bytes past it.
                    byte change = random.Next(2) == 0 ? (byte)(0x40 + r1) : (byte)0x90;
                    code.AddRange([0xE8, 0x04, 0x00, 0xEB, 0x07, 0xEB, 0x05, (byte)(0x58 + r1), change, change, (byte)(0x50 + r1), 0xC3]);
                    break;
                case 16: code.AddRange([0xFF, (byte)(0x06 | random.Next(2) << 3), disp, 0x30]); break;      // inc / dec word [m]
                case 17: code.AddRange([0xF7, (byte)(0xC0 | random.Next(2, 4) << 3 | r1)]); break;         // not / neg r16
                case 18: code.AddRange([0xD1, (byte)(0xC0 | random.Next(6) << 3 | r1)]); break;            // rol ror rcl rcr shl shr r16, 1
                case 19: code.AddRange([0x87, (byte)(0xC0 | r2 << 3 | r1)]); break;                        // xchg r16, r16
                case 20: code.AddRange([0x8D, (byte)(0x40 | r1 << 3 | random.Next(8)), disp]); break;     // lea r16, [base+index+disp8]
                case 21: code.AddRange([0xBD, 0xFE, 0xFF, 0x03, (byte)(0x46 | r1 << 3), 0x01]); break;     // mov bp,0FFFEh ; add r16,[bp+1]: a fault (286, 386) in a block, BP moved on by the handler
                case 22: code.AddRange(random.Next(4) == 0 ? [0xCC] : [0xCD, (byte)random.Next(0x20, 0x40)]); break; // int3 / int n
                case 23: code.AddRange([0x9A, 0xA0, 0x00, 0x00, 0x08]); break;                               // call 0800:00A0 (FarStub)
                case 24:                                                                                          // mov word [vector n's offset], another stub
                    int vector = random.Next(0x20, 0x40), stub = (int)CoreMachine.StubBase + 2 * random.Next(0x20, 0x40);
                    code.AddRange([0xC7, 0x06, (byte)(vector * 4), 0x00, (byte)stub, (byte)(stub >> 8)]);
                    break;
                case 25: code.AddRange([0xC7, 0x06, 0x00, 0x32, random.Next(2) == 0 ? (byte)0xA0 : (byte)0xB8, 0x00]); break; // mov word [3200h], 00A0h or 00B8h: the far pointer changes
                case 26: code.AddRange([0xFF, 0x1E, 0x00, 0x32]); break;                                      // call far [3200h]: 0800:00A0 or 0800:00B8
                case 27:
                    if (random.Next(2) == 0)
                        code.AddRange([0xFF, 0x1E, 0x04, 0x32]);                                                // call far [3204h]: 07FA:0100, the stub under another CS
                    else
                        code.AddRange([(byte)(0x50 + r1), 0xFF, 0x1E, 0x08, 0x32]);                             // push r16 ; call far [3208h]: RETF 2
                    break;
                case 28:
                    int near = NearStub + 4 * random.Next(2);
                    code.AddRange(random.Next(2) == 0
                        ? [0xC7, 0x06, 0x10, 0x32, (byte)near, (byte)(near >> 8)]                               // mov word [3210h], a near stub
                        : [0xFF, 0x16, 0x10, 0x32]);                                                            // call [3210h]
                    break;
                case 29: code.AddRange([(byte)(0xB8 + r1), (byte)(NearStub + 4 * random.Next(2)), NearStub >> 8, 0xFF, (byte)(0xD0 | r1)]); break; // mov r16, stub ; call r16
                case 30:
                    // call $+3 ; pop r16 ; add r16, k: r16 = the IP after the JMP, in whatever CS runs this; then there by JMP r16 or [3212h]
                    code.AddRange(random.Next(2) == 0
                        ? [0xE8, 0x00, 0x00, (byte)(0x58 + r1), 0x83, (byte)(0xC0 | r1), 6, 0xFF, (byte)(0xE0 | r1)]
                        : [0xE8, 0x00, 0x00, (byte)(0x58 + r1), 0x83, (byte)(0xC0 | r1), 12, 0x89, (byte)(0x06 | r1 << 3), 0x12, 0x32, 0xFF, 0x26, 0x12, 0x32]);
                    break;
                case 31:
                    // jmp far [3220h] to what follows it, as CS 0000 or 0010 (the same bytes, IPs 100h apart)
                    int cs = random.Next(2) * 0x10, after = 0x100 + code.Count + 16 - cs * 16;
                    code.AddRange([0xC7, 0x06, 0x20, 0x32, (byte)after, (byte)(after >> 8), 0xC7, 0x06, 0x22, 0x32, (byte)cs, 0x00, 0xFF, 0x2E, 0x20, 0x32]);
                    break;
                case 33:                                                                                          // if/else: both sides meet again
                    // cmp r1,r2 ; jcc else ; inc r1 ; jmp join ; else: dec r2 ; join:
                    code.AddRange([0x39, (byte)(0xC0 | r2 << 3 | r1), (byte)(0x70 + random.Next(16)), 0x03, (byte)(0x40 + r1), 0xEB, 0x01, (byte)(0x48 + r2)]);
                    break;
                case 34:                                                                                          // an inner LOOP
                    // mov cx,n ; inner: add n2,n1 ; inc n1 ; loop inner
                    code.AddRange([0xB9, (byte)random.Next(1, 12), 0x00, 0x01, (byte)(0xC0 | n1 << 3 | n2), (byte)(0x40 + n1), 0xE2, 0xFB]);
                    break;
                case 35:                                                                                          // an inner loop on a Jcc back
                    // mov cx,n ; inner: alu n1,n2 ; dec cx ; jnz inner (or jcxz out past a backward jmp)
                    code.AddRange(random.Next(2) == 0
                        ? [0xB9, (byte)random.Next(1, 12), 0x00, (byte)(0x01 + 8 * alu), (byte)(0xC0 | n2 << 3 | n1), 0x49, 0x75, 0xFB]
                        : [0xB9, (byte)random.Next(0, 12), 0x00, (byte)(0x01 + 8 * alu), (byte)(0xC0 | n2 << 3 | n1), 0xE3, 0x03, 0x49, 0xEB, 0xF9]);
                    break;
                case 36:                                                                                          // the dispatcher, through INT or PUSHF ; CALL far
                    code.AddRange(random.Next(2) == 0 ? [0xB0, imm, 0xCD, DispatcherVector] : [0xB0, imm, 0x9C, 0x9A, DispatcherLow, DispatcherHigh, 0x00, 0x00]);
                    break;
                case 32:
                    // Register-only forms compiled inline: MOVZX/MOVSX (r16 from r8, r32 from r8 or r16), SETcc r8, CBW, CWD,
                    // CWDE, CDQ, CLC, STC, CMC, CLD, STD, NOP (the 32-bit forms are #UD on the 8086 and 286)
                    byte b1 = (byte)(0xC0 | r1 << 3 | random.Next(8)), r8 = (byte)(0xC0 | random.Next(8));
                    code.AddRange(random.Next(14) switch
                    {
                        12 => [0xD3, (byte)(0xC0 | random.Next(6) << 3 | r1)],                 // rol ror rcl rcr shl shr r16, cl
                        13 => [0xD2, (byte)(0xC0 | (random.Next(2) == 0 ? 7 : 5) << 3 | random.Next(8))], // sar / shr r8, cl
                        0 => [0x0F, 0xB6, b1],
                        1 => [0x0F, 0xBE, b1],
                        2 => [0x66, 0x0F, (byte)(0xB6 + random.Next(2)), b1],
                        3 => [0x66, 0x0F, (byte)(0xBE + random.Next(2)), b1],
                        4 => [0x0F, (byte)(0x90 + random.Next(16)), r8],
                        5 => [random.Next(2) == 0 ? (byte)0x98 : (byte)0x99],
                        6 => [0x66, random.Next(2) == 0 ? (byte)0x98 : (byte)0x99],
                        7 => [(byte)(0xF8 + random.Next(2))],
                        8 => [0xF5],
                        9 => [(byte)(0xFC + random.Next(2))],
                        _ => [0x90],
                    });
                    break;
                case 37: code.AddRange(MulDivForm(random, random.Next(8), 0xC0 | random.Next(8))); break;  // mul imul div idiv r8/r16 (AH..BH too; #DE sometimes)
                case 38:                                                                                          // the same of [m] or [bx+si] (at a segment edge sometimes), REP'd sometimes (the 8086 negates)
                    byte[] prefix = random.Next(4) == 0 ? [random.Next(2) == 0 ? (byte)0xF3 : (byte)0xF2] : [];
                    byte[] operand = random.Next(3) == 0 ? [0x00] : [0x06, disp, 0x30];
                    code.AddRange([.. prefix, .. MulDivForm(random, random.Next(2) == 0 ? 0 : 5, operand[0]), .. operand[1..]]);
                    break;
                case 39: code.AddRange(StringForm(random)); break;                                                // lods stos movs scas cmps, no REP
                case 40:                                                                                          // mov bx, base ; mov es, bx: a destination segment of its own
                    ushort es = (ushort)(random.Next(3) switch { 0 => 0, 1 => 0x0100, _ => 0x0F00 });
                    code.AddRange([0xBB, (byte)es, (byte)(es >> 8), 0x8E, 0xC3]);
                    break;
                case 41:                                                                                          // IN: the value the exit saw
                    code.AddRange(random.Next(5) switch
                    {
                        0 => [0xE4, 0x80],                                                                           // in al, 80h
                        1 => [0xEC],                                                                                 // in al, dx
                        // inc ah ; in al, 80h ; add r16, ax: AH changed before the exit, AL from it, both used after
                        2 => [0xFE, 0xC4, 0xE4, 0x80, 0x01, (byte)(0xC0 | r1)],
                        // alu r16, r16 ; in ax, dx ; adc r16, ax: FLAGS from before the exit, AX from it
                        3 => [(byte)(0x01 + 8 * alu), (byte)(0xC0 | r2 << 3 | r1), 0xED, 0x11, (byte)(0xC0 | r2)],
                        // alu r16, r16 ; out 80h, al ; sbb r16, r16 ; out dx, ax ; inc ax: what the block keeps across OUTs
                        _ => [(byte)(0x01 + 8 * alu), (byte)(0xC0 | r2 << 3 | r1), 0xE6, 0x80, 0x19, (byte)(0xC0 | r1 << 3 | r2), 0xEF, 0x40],
                    });
                    break;
                case 42:                                                                                          // imul r16, r16 / [m], imm8 or imm16 (186 on; the 8086 runs what it decodes)
                    byte[] source = random.Next(2) == 0 ? [(byte)(0xC0 | r1 << 3 | r2)] : [(byte)(0x06 | r1 << 3), disp, 0x30];
                    code.AddRange(random.Next(2) == 0 ? [0x6B, .. source, imm] : [0x69, .. source, imm, (byte)random.Next(256)]);
                    break;
                case 43:
                    // Memory forms compiled as their register form over the operand: MOVZX/MOVSX r16, byte [m] and r32, byte
                    // or word [m]; SETcc byte [m]; rol ror rcl rcr shl shr sar of byte or word [m] by 1, by CL, by 2-31 (186
                    // on); XCHG r, [m] (16 or 8 bits, either order). [m] is the data, at a segment edge sometimes ([bx+si]).
                    byte[] m = random.Next(4) == 0 ? [0x00] : [0x06, disp, 0x30];
                    byte rm(int reg) => (byte)(m[0] | reg << 3);
                    int sub = new[] { 0, 1, 2, 3, 4, 5, 7 }[random.Next(7)];
                    code.AddRange(random.Next(9) switch
                    {
                        0 => [0x0F, (byte)(0xB6 + 8 * random.Next(2)), rm(r1), .. m[1..]],
                        1 => [0x66, 0x0F, (byte)(0xB6 + 8 * random.Next(2) + random.Next(2)), rm(r1), .. m[1..]],
                        2 => [0x0F, (byte)(0x90 + random.Next(16)), rm(0), .. m[1..]],
                        3 => [(byte)(0xD0 + random.Next(2)), rm(sub), .. m[1..]],
                        4 => [(byte)(0xD2 + random.Next(2)), rm(sub), .. m[1..]],
                        5 => [(byte)(0xC0 + random.Next(2)), rm(sub), .. m[1..], (byte)random.Next(2, 32)],
                        6 => [0x87, rm(r1), .. m[1..]],
                        7 => [0x86, rm(random.Next(8)), .. m[1..]],
                        _ => [0x88, rm(random.Next(8)), .. m[1..]],
                    });
                    break;
                case 44:
                    // 16-bit stack and segment forms compiled inline, each leaving the stack as it found it: PUSH imm16/imm8,
                    // PUSH sreg, PUSHF (then POP r16); PUSH BP ; MOV BP,SP ; LEAVE; MOV r16 or [m], sreg; LAHF; SAHF (the
                    // 186 forms run as whatever the 8086 decodes them as).
                    byte pop = (byte)(0x58 + r2);
                    code.AddRange(random.Next(8) switch
                    {
                        0 => [0x68, imm, (byte)random.Next(256), pop],
                        1 => [0x6A, imm, pop],
                        2 => [(byte)(0x06 + 8 * random.Next(4)), pop],
                        3 => [0x9C, pop],
                        4 => random.Next(2) == 0 ? [0x55, 0x89, 0xE5, 0xC9] : [0xC8, (byte)random.Next(0x40), 0x00, 0x00, (byte)(0x50 + r1), pop, 0xC9], // or ENTER n,0 ; PUSH ; POP ; LEAVE
                        5 => [0x8C, (byte)(0xC0 | random.Next(4) << 3 | r1)],
                        6 => [0x8C, (byte)(0x06 | random.Next(4) << 3), disp, 0x30],
                        _ => random.Next(2) == 0 ? [(byte)(0x9E + random.Next(2))] : [0xD7],   // sahf / lahf / xlat
                    });
                    break;
                case 45:
                    // Segment loads compiled inline (286 on; the 8086 keeps their handler): PUSH DS ; POP ES, PUSH DS ; POP DS,
                    // MOV ES, [m], LES r16, [m], PUSH DS ; LDS r16, [m] ; POP DS, MOV AX, DS ; MOV DS, AX (DS stays as it was).
                    byte far = (byte)(0x06 | r1 << 3);
                    code.AddRange(random.Next(6) switch
                    {
                        0 => [0x1E, 0x07],
                        1 => [0x1E, 0x1F],
                        2 => [0x8E, 0x06, disp, 0x30],
                        3 => [0xC4, far, disp, 0x30],
                        4 => [0x1E, 0xC5, far, disp, 0x30, 0x1F],
                        _ => [0x8C, 0xD8, 0x8E, 0xD8],
                    });
                    break;
                case 46:
                    // LOOPE / LOOPNE backwards over a compare (ZF decides as much as CX), JCXZ over an INC
                    code.AddRange(random.Next(3) switch
                    {
                        0 => [0x39, (byte)(0xC0 | r2 << 3 | n1), (byte)(0xE0 + random.Next(2)), (byte)(0x100 - random.Next(4, 12))],
                        1 => [0x40 + 0, 0x3C, imm, (byte)(0xE0 + random.Next(2)), (byte)(0x100 - random.Next(5, 12))],
                        _ => [0xE3, 0x01, (byte)(0x40 + r1)],
                    });
                    break;
                default: code.AddRange([0x89, (byte)(0x06 | r1 << 3), disp, 0x30]); break;                   // mov [m], r16
            }
        }
        int back = -(code.Count + 3);
        code.Add(0xFC); // cld: every pass starts with DF clear
        code.AddRange([0xE9, (byte)back, (byte)(back >> 8)]); // jmp near to the start
        return [.. code];
    }
}
