using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// Compiled blocks that go down both sides of a conditional branch (Compilation/BlockCompiler.cs): an if/else whose
/// sides meet again, an inner loop back to a step in the middle of the block. The block is compiled on its third
/// start, so that both sides have run (and been decoded) before: every pass after runs the region compiled. Each
/// test does what the region's guards are there for: a budget that ends on either side or in the inner loop, a
/// fault on the taken side, a store into the taken side's bytes by the block itself.
/// </summary>
public partial class BlockEngineTests
{
    private const int RegionThreshold = 3;

    // MOV CX,passes ; top: TEST CL,1 ; JZ even ; INC AX ; ADD SI,AX ; JMP join ; even: INC BX ; MOV DX,3 ;
    // inner: ADD DI,DX ; DEC DX ; JNZ inner ; join: INC BP ; LOOP top ; HLT. Odd passes take the first side, even
    // passes the second with its inner loop; both meet at INC BP.
    private static CoreMachine Diamond(bool compiled, int passes)
    {
        var m = new CoreMachine(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            var even = a.CreateLabel();
            var inner = a.CreateLabel();
            var join = a.CreateLabel();
            a.mov(cx, (short)passes);
            a.Label(ref top);
            a.test(cl, 1);
            a.jz(even);
            a.inc(ax);
            a.add(si, ax);
            a.jmp(join);
            a.Label(ref even);
            a.inc(bx);
            a.mov(dx, 3);
            a.Label(ref inner);
            a.add(di, dx);
            a.dec(dx);
            a.jnz(inner);
            a.Label(ref join);
            a.inc(bp);
            a.loop(top);
            a.hlt();
        });
        m.Cpu.CompileThreshold = compiled ? RegionThreshold : 0;
        return m;
    }

    [Fact]
    public void A_region_with_both_sides_of_a_branch_and_an_inner_loop_runs_compiled_and_computes_what_the_interpreter_does()
    {
        var compiledRun = Diamond(compiled: true, passes: 40);
        var interpreted = Diamond(compiled: false, passes: 40);

        compiledRun.RunToHalt().Should().Be(StopReason.Halt);
        interpreted.RunToHalt().Should().Be(StopReason.Halt);

        SameState(compiledRun, interpreted, "the diamond");
        compiledRun.Cpu.DI.Should().Be(20 * (3 + 2 + 1));
        // The region: TEST JZ INC ADD JMP INC LOOP, and INC MOV ADD DEC JNZ (HLT is not decoded yet when it is compiled);
        // and the inner loop's own block, hot in pass 1 before its way out was decoded: ADD DEC JNZ.
        compiledRun.Cpu.CompiledInstructions.Should().Be((12L + 3, 0L), "one region holds both sides and the inner loop");
    }

    [Fact]
    public void Every_budget_from_1_to_40_ends_a_run_on_either_side_or_in_the_inner_loop_as_the_interpreter_does()
    {
        // Runs of the same size, one after another, stop at every point of the region in turn: on the first side, on
        // the second, in the inner loop, at the join, with Retired, IP, registers and FLAGS as the interpreter has them.
        for (int budget = 1; budget <= 40; budget++)
        {
            var compiledRun = Diamond(compiled: true, passes: 12);
            var interpreted = Diamond(compiled: false, passes: 12);
            for (int slice = 0; ; slice++)
            {
                var stop = compiledRun.Cpu.Run(budget);
                interpreted.Cpu.Run(budget).Should().Be(stop, $"a run of {budget}, slice {slice}");
                SameState(compiledRun, interpreted, $"a run of {budget}, slice {slice}");
                if (stop != StopReason.InstructionLimit)
                    break;
            }
            if (budget >= 12)
                compiledRun.Cpu.CompiledInstructions.Inline.Should().BeGreaterThanOrEqualTo(12, $"the region was compiled in runs of {budget}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fault_on_the_taken_side_pushes_its_own_CS_IP_and_keeps_the_work_before_it(bool compiled)
    {
        // Odd passes take the branch: DEC BX twice, then read the word at [BX]. BX starts at 5: passes 1 and 3 read
        // at 3 and 1, pass 5 (compiled) at FFFF, which faults on the 386 (#GP, 13) with the pushed IP the MOV's.
        var m = Loop(CpuModel.I386, passes: 5, compiled, a =>
        {
            var odd = a.CreateLabel();
            var join = a.CreateLabel();
            a.test(cl, 1);                  // 0103
            a.jnz(odd);                     // 0106
            a.inc(di);                      // 0108
            a.jmp(join);                    // 0109
            a.Label(ref odd);
            a.inc(si);                      // 010B
            a.dec(bx);                      // 010C
            a.dec(bx);                      // 010D
            a.mov(ax, __word_ptr[bx]);      // 010E
            a.inc(bp);                      // 0110
            a.Label(ref join);
            a.inc(dx);                      // 0111
        });
        if (compiled)
            m.Cpu.CompileThreshold = RegionThreshold;
        m.Cpu.BX = 5;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.InterruptTaken.Should().Be(13);
        m.Memory.Read16(0xFFF8).Should().Be(CoreMachine.CodeOffset + 0xE, "the pushed IP is the faulting MOV's");
        (m.Cpu.SI, m.Cpu.BX).Should().Be(((ushort)3, (ushort)0xFFFF), "pass 5's INC SI and DEC BX ran before the fault");
        (m.Cpu.DI, m.Cpu.BP, m.Cpu.DX).Should().Be(((ushort)2, (ushort)2, (ushort)4), "INC BP of pass 5 comes after the fault");
        m.Cpu.Retired.Should().Be(1 + 9 + 6 + 9 + 6 + 6 + 1, "MOV CX, two passes of each side, pass 5 to the faulting MOV (counted, as the run loop counts it), the handler's HLT");
        m.Cpu.CompiledInstructions.Inline.Should().Be(compiled ? 11 : 0, "the region (TEST JNZ INC JMP INC LOOP, INC DEC DEC MOV INC) ran compiled");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_into_the_taken_side_before_the_branch_is_seen_by_that_side_in_the_same_pass(bool compiled)
    {
        // Each pass stores CL into the immediate of MOV BL,imm8 on the taken side, then branches there on odd
        // passes: BL is that pass's CL, so DX = 7 + 5 + 3 + 1. The compiled side's constant (55h) would add 55h.
        var m = Loop(CpuModel.I386, passes: 8, compiled, a =>
        {
            var odd = a.CreateLabel();
            var join = a.CreateLabel();
            a.mov(__byte_ptr[si], cl);      // 0103
            a.test(cl, 1);                  // 0105
            a.jnz(odd);                     // 0108
            a.inc(di);                      // 010A
            a.jmp(join);                    // 010B
            a.Label(ref odd);
            a.mov(bl, 0x55);                // 010D: B3 ib, the immediate at 010E
            a.add(dx, bx);                  // 010F
            a.Label(ref join);
            a.inc(ax);                      // 0111
        });
        if (compiled)
            m.Cpu.CompileThreshold = RegionThreshold;
        m.Cpu.SI = CoreMachine.CodeOffset + 0xE;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DX.Should().Be(7 + 5 + 3 + 1);
        (m.Cpu.AX, m.Cpu.DI).Should().Be(((ushort)8, (ushort)4));
        if (compiled)
            m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0, "passes ran the region compiled");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_INT_handler_that_dispatches_on_AH_returns_inline_from_every_side(bool compiled)
    {
        // INT 30h three times a pass with AH = 0, 1, 2: the handler compares and branches to one of three IRETs,
        // each returning to the INT's own return point.
        var m = Loop(CpuModel.I386, passes: 10, compiled, a =>
        {
            a.mov(ah, 0);
            a.@int(0x30);
            a.mov(ah, 1);
            a.@int(0x30);
            a.mov(ah, 2);
            a.@int(0x30);
        });
        if (compiled)
            m.Cpu.CompileThreshold = RegionThreshold;
        // 0000:9000: CMP AH,0 ; JNE +2 ; INC BX ; IRET ; CMP AH,1 ; JNE +2 ; INC DX ; IRET ; INC SI ; IRET
        m.Memory.Load(0x9000, [0x80, 0xFC, 0x00, 0x75, 0x02, 0x43, 0xCF, 0x80, 0xFC, 0x01, 0x75, 0x02, 0x42, 0xCF, 0x46, 0xCF]);
        m.Memory.Load(0x30 * 4, [0x00, 0x90, 0x00, 0x00]);

        m.RunToHalt().Should().Be(StopReason.Halt);

        (m.Cpu.BX, m.Cpu.DX, m.Cpu.SI).Should().Be(((ushort)10, (ushort)10, (ushort)10));
        m.Cpu.Retired.Should().Be(1 + 10 * (6 + 4 + 6 + 6 + 1) + 1);
        // The loop's region: the body and LOOP (7), and for each INT its way through the handler's first compare
        // (4), its second (4) and third (2); and the handler's own block, hot in pass 1 (CMP JNE INC IRET, and the
        // taken side: CMP JNE INC IRET).
        m.Cpu.CompiledInstructions.Inline.Should().Be(compiled ? 7 + 3 * (4 + 4 + 2) + 8 : 0, "one region holds every way through the handler");
    }
}
