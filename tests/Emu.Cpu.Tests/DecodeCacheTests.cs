using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// The decode cache remembers, per instruction, which cached instruction ran after it last time
/// (a successor link the run loop tries before the address map). These programs make that
/// guess wrong in every way it can be wrong; the CPU must still run what memory holds.
/// </summary>
public class DecodeCacheTests
{
    [Fact]
    public void A_patched_successor_inside_a_hot_loop_runs_its_new_bytes()
    {
        // Ten passes; after the sixth has added BX the loop patches MOV BX,1 into MOV BX,2.
        // DX = 6 * 1 + 4 * 2.
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            var top = a.CreateLabel();
            var skip = a.CreateLabel();
            var patched = a.CreateLabel();
            a.mov(cx, 10);
            a.Label(ref top);
            a.inc(ax);
            a.Label(ref patched);
            a.mov(bx, 1); // B8+r iw: the immediate is the byte after the opcode
            a.add(dx, bx);
            a.cmp(cx, 5);
            a.jne(skip);
            a.mov(__byte_ptr[si], 2);
            a.Label(ref skip);
            a.loop(top);
            a.hlt();
        });
        // SI -> the immediate of MOV BX,1 (mov cx,10 is 3 bytes, inc ax 1, then the B8+r opcode).
        m.Cpu.SI = CoreMachine.CodeOffset + 3 + 1 + 1;

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.DX.Should().Be(6 * 1 + 4 * 2);
        m.Cpu.AX.Should().Be(10);
    }

    [Fact]
    public void A_return_to_a_different_caller_does_not_follow_the_last_successor()
    {
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            var sub = a.CreateLabel();
            var done = a.CreateLabel();
            a.call(sub);
            a.add(bx, 1);
            a.call(sub);
            a.add(bx, 10);
            a.call(sub);
            a.add(bx, 100);
            a.jmp(done);
            a.Label(ref sub);
            a.inc(ax);
            a.ret();
            a.Label(ref done);
            a.hlt();
        });

        m.RunToHalt().Should().Be(StopReason.Halt);

        m.Cpu.BX.Should().Be(111);
        m.Cpu.AX.Should().Be(3);
    }

    [Fact]
    public void A_flush_after_the_pool_filled_and_refilled_drops_every_entry()
    {
        // 40,000 one-byte instructions at 2000:0000: more than the pool holds, so it fills and is flushed
        // once mid-run, then takes the rest. The explicit flush must drop the entries of both generations.
        var m = new CoreMachine(CpuModel.I8086, a => a.hlt());
        var sled = new byte[40_001];
        Array.Fill(sled, (byte)0x90); // NOP
        sled[^1] = 0xF4; // HLT
        m.Memory.Load(0x2_0000, sled);
        void RunSled()
        {
            m.Cpu.Reset();
            m.Cpu.CS = 0x2000;
            m.Cpu.IP = 0;
            m.RunToHalt().Should().Be(StopReason.Halt);
        }
        RunSled();
        m.Cpu.AX.Should().Be(0);

        // Behind the cache's back: a NOP from before the mid-run flush and one from after it become INC AX.
        m.Memory.Bytes[0x2_0000 + 10] = 0x40;
        m.Memory.Bytes[0x2_0000 + 39_000] = 0x40;
        m.Cpu.FlushDecodeCache();
        RunSled();

        m.Cpu.AX.Should().Be(2);
    }

    [Fact]
    public void After_a_flush_code_replaced_behind_the_caches_back_runs_new()
    {
        var m = new CoreMachine(CpuModel.I8086, a =>
        {
            a.mov(ax, 1);
            a.mov(bx, 1);
            a.hlt();
        });
        m.RunToHalt();
        m.Cpu.BX.Should().Be(1);

        // Same layout, new immediates, written without telling the cache; then the loader's flush.
        m.Memory.Bytes[CoreMachine.CodeOffset + 1] = 2;
        m.Memory.Bytes[CoreMachine.CodeOffset + 4] = 3;
        m.Cpu.FlushDecodeCache();
        m.Cpu.Reset(); // leaves the HLT state
        m.Cpu.CS = 0;
        m.Cpu.IP = CoreMachine.CodeOffset;
        m.RunToHalt();

        m.Cpu.AX.Should().Be(2);
        m.Cpu.BX.Should().Be(3);
    }

    [Fact]
    public void Turning_A20_on_between_two_instructions_moves_the_successor_to_the_HMA()
    {
        // CS:IP = FFFF:0100 is linear 0x1000F0: physical 0x0000F0 with A20 off, 0x1000F0 with it on.
        // Both copies start with OUT 92h,AL; after it, low memory increments BX and jumps back, the
        // HMA halts. The third OUT turns A20 on: by then the OUT's successor link names the low INC.
        const int low = 0x0000F0, high = 0x1000F0;
        byte[] outThenLoop = [0xE6, 0x92, 0x43, 0xEB, 0xFB]; // out 92h,al ; inc bx ; jmp short -5
        byte[] outThenHalt = [0xE6, 0x92, 0xF4];              // out 92h,al ; hlt
        var m = new CoreMachine(CpuModel.I286, a => a.hlt());
        m.Memory.Load(low, outThenLoop);
        m.Memory.Load(high, outThenHalt);
        var gate = new A20OnThirdOut(m);
        m.Cpu.ExitHandler = gate;
        m.Cpu.CS = 0xFFFF;
        m.Cpu.IP = 0x0100;

        m.RunToHalt(1000).Should().Be(StopReason.Halt);

        gate.Outs.Should().Be(3);
        m.Cpu.BX.Should().Be(2);
        m.Cpu.IP.Should().Be(0x0103);
    }

    private sealed class A20OnThirdOut(CoreMachine m) : ExitHandler
    {
        public int Outs;

        public override void HandleExit(Processor cpu, ref VmExit exit)
        {
            if (exit.Reason == ExitReason.Io && exit.IsWrite && ++Outs == 3)
                m.Memory.A20Enabled = true;
        }
    }
}
