using Emu.Memory;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// Compiled blocks that go on through CALL, RET, far CALL, RETF, INT and IRET (Compilation/BlockCompiler.cs): each
/// program runs compiled and interpreted and both must end alike, on what the guest can see. Each does what the
/// block's guards are there for: a return address or an IVT entry that changes while the block runs, code entered
/// from elsewhere, recursion, TF, a store into the callee, a budget that ends in the callee, a fault in another
/// code segment; and for CALLs through pointers, a pointer changed while hot or naming the same code under another CS,
/// read across a segment's end or from MMIO, and pushes that cross the stack segment's end.
/// </summary>
public partial class BlockEngineTests
{
    // 0000:9000: INC BX ; IRET. 0000:9010: INC DX ; IRET (an INT 30h handler each).
    private static void InstallHandlers(CoreMachine m)
    {
        m.Memory.Load(0x9000, [0x43, 0xCF]);
        m.Memory.Load(0x9010, [0x42, 0xCF]);
        m.Memory.Load(0x30 * 4, [0x00, 0x90, 0x00, 0x00]);
    }

    // The same program compiled and interpreted: both halt in the same state, which is returned (compiled first).
    private static (CoreMachine Compiled, CoreMachine Interpreted) BothWays(CpuModel model, Action<Assembler> program, Action<CoreMachine>? setUp = null)
    {
        CoreMachine Run(bool compiled)
        {
            var m = Compiled(compiled, new CoreMachine(model, program));
            setUp?.Invoke(m);
            m.RunToHalt().Should().Be(StopReason.Halt);
            return m;
        }

        var compiledRun = Run(compiled: true);
        var interpreted = Run(compiled: false);
        SameState(compiledRun, interpreted, "compiled against interpreted");
        return (compiledRun, interpreted);
    }

    // DI = 1 on the loop's last pass (CX = 1), else 0, without a branch (a branch taken would leave the block).
    private static void OneOnLastPass(Assembler a, AssemblerRegister16 reg)
    {
        a.xor(reg, reg);
        a.cmp(cx, 2);
        a.adc(reg, 0);
    }

    [Fact]
    public void A_routine_that_changes_its_own_return_address_returns_where_it_put_it()
    {
        // SUB adds DI to its return address: 1 on the last pass, which skips INC AX there.
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            var sub = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.call(sub);
            a.inc(ax);
            a.inc(bx);
            a.loop(top);
            a.hlt();
            a.Label(ref sub);
            a.pop(si);
            a.add(si, di);
            a.push(si);
            a.ret();
        });

        m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
        (m.Cpu.AX, m.Cpu.BX).Should().Be(((ushort)4, (ushort)5), "the last pass returned past INC AX");
    }

    [Fact]
    public void A_routine_called_from_two_places_and_jumped_to_from_a_third_returns_to_each()
    {
        var (m, _) = BothWays(CpuModel.I8086, a =>
        {
            var top = a.CreateLabel();
            var sub = a.CreateLabel();
            var done = a.CreateLabel();
            a.mov(cx, 6);
            a.Label(ref top);
            a.call(sub);
            a.inc(ax);
            a.call(sub);
            a.inc(dx);
            a.loop(top);
            a.mov(si, 0x0116);    // DONE's offset: pushed as a return address, then JMP to SUB
            a.push(si);
            a.jmp(sub);
            a.nop();
            a.Label(ref sub);
            a.inc(bx);
            a.ret();
            a.Label(ref done);
            a.hlt();
        });

        (m.Cpu.AX, m.Cpu.DX, m.Cpu.BX).Should().Be(((ushort)6, (ushort)6, (ushort)13));
        m.Cpu.IP.Should().Be(0x0117, "the RET reached by JMP returned to DONE (0116h), and its HLT ran");
    }

    [Fact]
    public void Recursion_returns_through_every_level()
    {
        // REC calls itself until DX counts down to 0: three levels a pass; each level adds 1 to BX on its way out.
        var (m, _) = BothWays(CpuModel.I286, a =>
        {
            var top = a.CreateLabel();
            var rec = a.CreateLabel();
            var bottom = a.CreateLabel();
            a.mov(cx, 8);
            a.Label(ref top);
            a.mov(dx, 3);
            a.call(rec);
            a.loop(top);
            a.hlt();
            a.Label(ref rec);
            a.dec(dx);
            a.jz(bottom);
            a.call(rec);
            a.Label(ref bottom);
            a.inc(bx);
            a.ret();
        });

        m.Cpu.BX.Should().Be(8 * 3);
        m.Cpu.SP.Should().Be(0xFFFE);
    }

    [Fact]
    public void Code_after_a_return_point_runs_compiled_where_its_next_instruction_was_decoded_first()
    {
        // REC's return point (ADD SP, 2; ADD [BP-2], AX) falls into DONE, which the deepest level reached first by its
        // JZ: the decode cache holds DONE apart from the return point's code, and a block must find it by its address.
        var (m, i) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            var rec = a.CreateLabel();
            var done = a.CreateLabel();
            a.mov(cx, 1000);
            a.Label(ref top);
            a.push(4);
            a.call(rec);
            a.add(sp, 2);
            a.add(bx, ax);
            a.loop(top);
            a.hlt();
            a.Label(ref rec);
            a.push(bp);
            a.mov(bp, sp);
            a.sub(sp, 4);
            a.mov(ax, __word_ptr[bp + 4]);
            a.mov(__word_ptr[bp - 2], ax);
            a.test(ax, ax);
            a.jz(done);
            a.dec(ax);
            a.push(ax);
            a.call(rec);
            a.add(sp, 2);
            a.add(__word_ptr[bp - 2], ax);
            a.Label(ref done);
            a.mov(ax, __word_ptr[bp - 2]);
            a.mov(sp, bp);
            a.pop(bp);
            a.ret();
        });

        m.Cpu.BX.Should().Be(1000 * (4 + 3 + 2 + 1));
        i.Cpu.CompiledRetired.Should().Be(0);
        m.Cpu.CompiledRetired.Should().BeGreaterThan(m.Cpu.Retired * 95 / 100, "every level's way back runs in blocks once hot (87 % when a block stops at the return point's ADD)");
    }

    [Fact]
    public void An_INT_whose_vector_the_guest_changes_while_the_loop_runs_goes_to_the_new_handler()
    {
        // Every pass stores the INT 30h vector: 9000h (INC BX) while CX >= 3, then 9010h (INC DX).
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 6);
            a.Label(ref top);
            a.xor(di, di);
            a.cmp(cx, 3);
            a.adc(di, 0);
            a.shl(di, 4);
            a.add(di, 0x9000);
            a.mov(__word_ptr[0x30 * 4], di);
            a.@int(0x30);
            a.loop(top);
            a.hlt();
        }, InstallHandlers);

        m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
        (m.Cpu.BX, m.Cpu.DX).Should().Be(((ushort)4, (ushort)2), "the last two INTs went to the handler at 9010h");
        m.Cpu.InterruptsDelivered.Should().Be(6);
    }

    [Fact]
    public void An_INT_with_TF_set_traps_in_its_handler_as_the_interpreter_does()
    {
        // The last pass sets TF with POPF before INT 30h: the trap (vector 1, a HLT stub) comes after the INT, before
        // its handler's first instruction.
        var (m, _) = BothWays(CpuModel.I8086, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 4);
            a.Label(ref top);
            OneOnLastPass(a, ax);
            a.mov(ah, al);        // TF is bit 8: AH bit 0
            a.mov(al, 0x02);
            a.push(ax);
            a.popf();
            a.@int(0x30);
            a.inc(si);
            a.inc(si);
            a.loop(top);
            a.hlt();
        }, InstallHandlers);

        m.InterruptTaken.Should().Be(1);
        m.Cpu.BX.Should().Be(3, "the last INT's handler did not run its INC BX");
        m.Cpu.SI.Should().Be(3 * 2);
        m.Memory.Read16(m.Cpu.SP + 0u).Should().Be(0x9000, "the trap's pushed IP is the handler's first instruction");
    }

    [Fact]
    public void An_IRET_to_a_return_address_the_handler_changed_goes_there()
    {
        // The handler adds DI to the IP it will return to: 1 on the last pass, which skips INC AX there.
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.@int(0x30);
            a.inc(ax);
            a.inc(dx);
            a.loop(top);
            a.hlt();
        }, m =>
        {
            // 0000:9000: PUSH BP ; MOV BP,SP ; ADD [BP+2],DI ; POP BP ; IRET
            m.Memory.Load(0x9000, [0x55, 0x89, 0xE5, 0x01, 0x7E, 0x02, 0x5D, 0xCF]);
            m.Memory.Load(0x30 * 4, [0x00, 0x90, 0x00, 0x00]);
        });

        (m.Cpu.AX, m.Cpu.DX).Should().Be(((ushort)4, (ushort)5));
    }

    [Fact]
    public void An_IRET_to_a_CS_the_handler_changed_goes_to_that_segment()
    {
        // On the last pass the handler makes the pushed CS 0010h: the IRET lands at 0010:IP (linear 100h further
        // on), where an INC BP and a HLT wait; on the others it returns to the INC AX after INT.
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.shl(di, 4);         // 10h on the last pass
            a.@int(0x30);
            a.inc(ax);
            a.loop(top);
            a.hlt();
        }, m =>
        {
            // 0000:9000: PUSH BP ; MOV BP,SP ; ADD [BP+4],DI ; POP BP ; IRET
            m.Memory.Load(0x9000, [0x55, 0x89, 0xE5, 0x01, 0x7E, 0x04, 0x5D, 0xCF]);
            m.Memory.Load(0x30 * 4, [0x00, 0x90, 0x00, 0x00]);
            // INT 30h's return point is 0000:0110 (MOV CX 3 bytes, then XOR 2, CMP 3, ADC 3, SHL 3, INT 2): 0010:0110
            // is linear 0210h.
            m.Memory.Load(0x210, [0x45, 0xF4]);
        });

        (m.Cpu.CS, m.Cpu.IP).Should().Be(((ushort)0x0010, (ushort)0x0112), "halted after INC BP at 0010:0110");
        (m.Cpu.AX, m.Cpu.BP).Should().Be(((ushort)4, (ushort)1));
    }

    [Fact]
    public void An_IRET_after_PUSHF_and_a_far_CALL_returns_where_the_handler_put_the_return_address()
    {
        // An interrupt simulated in software: PUSHF ; CALL 0000:9000, whose handler IRETs. The handler adds DI to the
        // IP it will return to: 1 on the last pass, which skips INC AX there.
        var (m, _) = BothWays(CpuModel.I8086, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 40);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.pushf();
            a.call(0x0000, 0x9000);
            a.inc(ax);
            a.inc(dx);
            a.loop(top);
            a.hlt();
        }, m =>
        {
            // 0000:9000: PUSH BP ; MOV BP,SP ; ADD [BP+2],DI ; POP BP ; IRET
            m.Memory.Load(0x9000, [0x55, 0x89, 0xE5, 0x01, 0x7E, 0x02, 0x5D, 0xCF]);
        });

        (m.Cpu.AX, m.Cpu.DX).Should().Be(((ushort)39, (ushort)40));
        m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
    }

    [Fact]
    public void An_IRET_that_pops_TF_traps_after_the_next_instruction_as_the_interpreter_does()
    {
        // On the last pass the handler sets TF in the FLAGS it will pop (DI = 100h): the trap (vector 1, a HLT stub)
        // comes where the interpreter takes it; on the others the IRET goes on inline.
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.shl(di, 8);
            a.@int(0x30);
            a.inc(ax);
            a.inc(dx);
            a.loop(top);
            a.hlt();
        }, m =>
        {
            // 0000:9000: PUSH BP ; MOV BP,SP ; OR [BP+6],DI ; POP BP ; IRET
            m.Memory.Load(0x9000, [0x55, 0x89, 0xE5, 0x09, 0x7E, 0x06, 0x5D, 0xCF]);
            m.Memory.Load(0x30 * 4, [0x00, 0x90, 0x00, 0x00]);
        });

        m.InterruptTaken.Should().Be(1);
        m.Cpu.AX.Should().Be(5, "the last pass's INC AX ran before the trap");
        m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
    }

    [Fact]
    public void An_INT_whose_frame_overwrites_its_own_vector_goes_where_the_pushes_put_it()
    {
        // The last pass moves SP to 00C6h: INT 30h pushes its frame over its own IVT entry (IP at C0h, CS at C2h)
        // and then reads it, so it goes on at its own return point and the handler (INC BX) does not run.
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.neg(di);
            a.and(di, 0x8000 ^ 0xC6);
            a.xor(di, 0x8000);    // SP 8000h, 00C6h on the last pass
            a.mov(sp, di);
            a.@int(0x30);
            a.inc(ax);
            a.loop(top);
            a.hlt();
        }, InstallHandlers);

        (m.Cpu.AX, m.Cpu.BX).Should().Be(((ushort)5, (ushort)4));
        m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
    }

    [Fact]
    public void INT_and_IRET_with_SP_0_put_the_frame_at_the_top_of_the_stack_segment_and_return_SP_to_0()
    {
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(ax, 0x2000);
            a.mov(ss, ax);
            a.xor(sp, sp);
            a.mov(cx, 8);
            a.Label(ref top);
            a.@int(0x30);
            a.inc(dx);
            a.loop(top);
            a.hlt();
        }, InstallHandlers);

        (m.Cpu.BX, m.Cpu.DX).Should().Be(((ushort)8, (ushort)8));
        m.Cpu.SP.Should().Be(0);
        m.Memory.Read16(0x2FFFA).Should().Be(0x10C, "the last frame's IP: the INC DX after INT, 0100h + 12");
        m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
    }

    [Fact]
    public void A_far_call_into_another_segment_runs_its_code_with_that_segment_and_a_fault_there_names_it()
    {
        // 0100:0000: INC BX ; ADD DX,[CS:0020h] ; MOV SI,[DI] ; RETF, and the word 7 at 0100:0020. The caller adds
        // [CS:3000h] (its own segment's word 5) after the call. On the last pass DI = FFFF: the MOV SI,[DI] there
        // is #GP on the 386, whose frame names 0100:0006.
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.neg(di);            // FFFF on the last pass
            a.call(0x0100, 0x0000);
            a.add(ax, __word_ptr.cs[0x3000]);
            a.loop(top);
            a.hlt();
        }, m =>
        {
            m.Memory.Load(0x1000, [0x43, 0x2E, 0x03, 0x16, 0x20, 0x00, 0x8B, 0x35, 0xCB]);
            m.Memory.Load(0x1020, [7, 0]);
            m.Memory.Load(0x3000, [5, 0]);
        });

        m.InterruptTaken.Should().Be(13);
        (m.Cpu.BX, m.Cpu.DX, m.Cpu.AX).Should().Be(((ushort)5, (ushort)(5 * 7), (ushort)(4 * 5)));
        m.Memory.Read16(m.Cpu.SP + 0u).Should().Be(0x0006, "the pushed IP is the MOV's in the far routine");
        m.Memory.Read16(m.Cpu.SP + 2u).Should().Be(0x0100, "the pushed CS is the far routine's");
    }

    [Fact]
    public void A_store_into_the_callee_while_it_runs_compiled_inline_is_seen_by_the_next_call()
    {
        // Every pass stores CL into the immediate of SUB's MOV BL,imm8, then calls it: DX = 5 + 4 + 3 + 2 + 1.
        var (m, _) = BothWays(CpuModel.I8086, a =>
        {
            var top = a.CreateLabel();
            var sub = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            a.mov(__byte_ptr[si], cl);
            a.call(sub);
            a.add(dx, bx);
            a.loop(top);
            a.hlt();
            a.Label(ref sub);
            a.mov(bl, 0x55);      // B3 ib: its immediate at 0000:010E
            a.ret();
        }, m => m.Cpu.SI = 0x010E);

        m.Cpu.DX.Should().Be(5 + 4 + 3 + 2 + 1);
    }

    [Fact]
    public void A_budget_that_ends_inside_a_called_routine_or_an_interrupt_handler_stops_exactly_there()
    {
        // A hot loop that calls a routine and raises INT 30h; runs of every length from 1 to 40 end where the
        // interpreter's do (registers, CS:IP, the count, the stack).
        CoreMachine Program(bool compiled)
        {
            var m = Compiled(compiled, new CoreMachine(CpuModel.I386, a =>
            {
                var top = a.CreateLabel();
                var sub = a.CreateLabel();
                a.Label(ref top);
                a.inc(ax);
                a.call(sub);
                a.@int(0x30);
                a.inc(si);
                a.jmp(top);
                a.Label(ref sub);
                a.inc(di);
                a.inc(di);
                a.ret();
            }));
            InstallHandlers(m);
            m.Cpu.Run(300).Should().Be(StopReason.InstructionLimit);
            return m;
        }
        for (int budget = 1; budget <= 40; budget++)
        {
            var compiled = Program(compiled: true);
            var interpreted = Program(compiled: false);

            compiled.Cpu.Run(budget).Should().Be(StopReason.InstructionLimit);
            interpreted.Cpu.Run(budget).Should().Be(StopReason.InstructionLimit);

            SameState(compiled, interpreted, $"a run of {budget}");
        }
        Program(compiled: true).Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
    }

    // 0100:0000: INC BX ; RETF. 0100:0010: INC DX ; RETF. The far pointer at 0000:3000 names the first.
    private static void InstallFarRoutines(CoreMachine m)
    {
        m.Memory.Load(0x1000, [0x43, 0xCB]);
        m.Memory.Load(0x1010, [0x42, 0xCB]);
        m.Memory.Load(0x3000, [0x00, 0x00, 0x00, 0x01]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_far_call_through_a_pointer_changed_while_hot_goes_where_the_pointer_now_says(bool near)
    {
        // Each pass stores DI << 4 into the pointer's offset (0 but on the last pass: 10h), then calls through it:
        // the block was compiled going on into the first routine; the last pass must reach the second. The near
        // form calls through the word at 3000h (0100h and 0110h, the same routines under CS 0000: RETF there pops
        // the return IP and a CS from the stack the test prepares).
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.shl(di, 4);
            if (near)
            {
                a.add(di, 0x1000);
                a.mov(__word_ptr[0x3000], di);
                a.push(cs);
                a.call(__word_ptr[0x3000]);
            }
            else
            {
                a.mov(__word_ptr[0x3000], di);
                a.call(__dword_ptr[0x3000]);
            }
            a.inc(si);
            a.loop(top);
            a.hlt();
        }, InstallFarRoutines);

        (m.Cpu.BX, m.Cpu.DX, m.Cpu.SI).Should().Be(((ushort)4, (ushort)1, (ushort)5), "four passes reached the first routine, the last the second");
        m.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
    }

    [Fact]
    public void A_far_pointer_that_names_the_same_code_under_another_CS_runs_it_in_that_CS()
    {
        // 0100:0000: MOV AX,CS ; ADD BX,AX ; RETF. On the last pass the pointer becomes 00FF:0010, the same bytes.
        var (m, _) = BothWays(CpuModel.I386, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.mov(ax, di);
            a.shl(ax, 4);
            a.mov(__word_ptr[0x3000], ax);      // 0000 or 0010
            a.neg(di);
            a.add(__word_ptr[0x3002], di);      // 0100 or 00FF
            a.call(__dword_ptr[0x3000]);
            a.loop(top);
            a.hlt();
        }, m =>
        {
            m.Memory.Load(0x1000, [0x8C, 0xC8, 0x01, 0xC3, 0xCB]);
            m.Memory.Load(0x3000, [0x00, 0x00, 0x00, 0x01]);
        });

        m.Cpu.BX.Should().Be(4 * 0x100 + 0xFF, "four passes ran it as 0100:0000, the last as 00FF:0010");
    }

    [Theory]
    [InlineData(CpuModel.I8086)]
    [InlineData(CpuModel.I386)]
    public void A_far_pointer_read_across_the_segment_end_wraps_on_the_8086_and_faults_on_the_386(CpuModel model)
    {
        // DS = 0301h. CALL FAR [DI] with DI = 0010h (the pointer 0100:0010) on every pass but the last, where DI =
        // FFFEh: the offset is the word at 0301:FFFE (0010h); the 8086 reads the selector at 0301:0000 (1000h, and
        // halts at 1000:0010), the 386 faults (#GP). The word past the segment's end, in the same page, is 0100h: a
        // read of the four bytes as they lie in memory would find 0100:0010, the target the block goes on at.
        var (m, _) = BothWays(model, a =>
        {
            var top = a.CreateLabel();
            a.mov(cx, 5);
            a.Label(ref top);
            OneOnLastPass(a, di);
            a.neg(di);
            a.and(di, unchecked((short)0xFFEE));
            a.add(di, 0x10);
            a.call(__dword_ptr[di]);
            a.inc(si);
            a.loop(top);
            a.hlt();
        }, m =>
        {
            InstallFarRoutines(m);
            m.Cpu.DS = 0x0301;
            m.Memory.Load(0x3020, [0x10, 0x00, 0x00, 0x01]);   // 0301:0010: 0100:0010, the second routine
            m.Memory.Load(0x3010, [0x00, 0x10]);               // 0301:0000: 1000h (the selector the 8086 wraps to)
            m.Memory.Load(0x1300E, [0x10, 0x00, 0x00, 0x01]);  // 0301:FFFE and on, past the end: 0100:0010
            m.Memory.Load(0x10010, [0xF4]);                      // 1000:0010: HLT
        });

        if (model == CpuModel.I8086)
        {
            (m.Cpu.DX, m.Cpu.SI).Should().Be(((ushort)4, (ushort)4), "the last call went to 1000:0010");
            m.Cpu.CS.Should().Be(0x1000);
        }
        else
        {
            m.InterruptTaken.Should().Be(13);
            (m.Cpu.DX, m.Cpu.SI).Should().Be(((ushort)4, (ushort)4));
        }
    }

    [Fact]
    public void A_far_pointer_on_a_page_that_became_MMIO_is_read_from_the_device()
    {
        // The loop calls through the pointer at 0000:5000 (0100:0000 in RAM) while it gets hot; then page 5000h is
        // made MMIO, and the device answers 0100:0010: the passes after that reach the second routine.
        CoreMachine Run(bool compiled)
        {
            var m = Compiled(compiled, new CoreMachine(CpuModel.I386, a =>
            {
                var top = a.CreateLabel();
                a.mov(cx, 10);
                a.Label(ref top);
                a.call(__dword_ptr[0x5000]);
                a.inc(si);
                a.loop(top);
                a.hlt();
            }));
            InstallFarRoutines(m);
            m.Memory.Load(0x5000, [0x00, 0x00, 0x00, 0x01]);
            m.Cpu.Run(1 + 5 * 5).Should().Be(StopReason.InstructionLimit); // MOV, five passes of five
            m.Memory.Map(0x5000, GuestMemory.PageSize, PageKind.Mmio);
            m.Cpu.ExitHandler = new FarPointerDevice();
            m.RunToHalt().Should().Be(StopReason.Halt);
            return m;
        }

        var compiledRun = Run(compiled: true);
        SameState(compiledRun, Run(compiled: false), "compiled against interpreted");
        (compiledRun.Cpu.BX, compiledRun.Cpu.DX).Should().Be(((ushort)5, (ushort)5));
        compiledRun.Cpu.CompiledInstructions.Inline.Should().BeGreaterThan(0);
    }

    /// <summary>Answers MMIO reads of 5000h and 5002h with the far pointer 0100:0010.</summary>
    private sealed class FarPointerDevice : ExitHandler
    {
        public override void HandleExit(Processor cpu, ref VmExit exit)
        {
            if (!exit.IsWrite)
                exit.Value = exit.Address == 0x5000 ? 0x0010u : 0x0100u;
        }
    }

    [Theory]
    [InlineData(CpuModel.I8086, false)]
    [InlineData(CpuModel.I8086, true)]
    [InlineData(CpuModel.I286, false)]
    [InlineData(CpuModel.I286, true)]
    public void A_far_call_whose_pushes_cross_the_stack_segment_end_wraps_on_the_8086_and_faults_on_the_286(CpuModel model, bool indirect)
    {
        // SS = 0008h (so that the four bytes below offset 1, wrapped, lie in one page: 1007Dh-10080h), SP = FFF0h,
        // but 0001h on the last pass: the pushed CS lands on offset FFFF. The 8086 wraps its high byte to offset 0 and
        // returns; the 286 faults (#SS), and delivering that fault on the same stack shuts it down. Both leave the
        // count, registers and memory the interpreter leaves.
        CoreMachine Run(bool compiled)
        {
            var m = Compiled(compiled, new CoreMachine(model, a =>
            {
                var top = a.CreateLabel();
                a.mov(cx, 5);
                a.Label(ref top);
                OneOnLastPass(a, di);
                a.neg(di);
                a.and(di, unchecked((short)0xFFF1));
                a.xor(di, unchecked((short)0xFFF0));
                a.mov(sp, di);
                if (indirect)
                    a.call(__dword_ptr[0x3000]);
                else
                    a.call(0x0100, 0x0000);
                a.inc(si);
                a.loop(top);
                a.hlt();
            }));
            InstallFarRoutines(m);
            m.Cpu.SS = 0x0008;
            m.RunToHalt().Should().Be(model == CpuModel.I8086 ? StopReason.Halt : StopReason.Shutdown);
            return m;
        }

        var compiledRun = Run(compiled: true);
        SameState(compiledRun, Run(compiled: false), "compiled against interpreted");
        ushort passes = (ushort)(model == CpuModel.I8086 ? 5 : 4);
        (compiledRun.Cpu.BX, compiledRun.Cpu.SI).Should().Be((passes, passes), "on the 286 the last call never reached the routine");
    }
}
