using Emu.Cpu;
using Emu.Memory;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emu.Cpu.Tests;

/// <summary>
/// Control transfer, stack, string and port instructions where the 8086 conformance vectors say
/// nothing: the 186/286/386 behaviour, 32-bit operand and address sizes, VM exits per port access.
/// </summary>
public class ControlStackStringTests
{
    private const ushort CodeSeg = 0x1000, CodeIp = 0x0100, StackSeg = 0x2000, StackTop = 0x1000;

    private static Processor Boot(CpuModel model, Action<Assembler> build)
    {
        var asm = new Assembler(16);
        build(asm);
        using var stream = new MemoryStream();
        asm.Assemble(new StreamCodeWriter(stream), CodeIp);
        return Boot(model, stream.ToArray());
    }

    private static Processor Boot(CpuModel model, byte[] code)
    {
        var memory = new GuestMemory();
        memory.Load(CodeSeg * 16u + CodeIp, code);
        return new Processor(memory, model) { CS = CodeSeg, IP = CodeIp, SS = StackSeg, SP = StackTop };
    }

    private static ushort StackWord(Processor cpu, int offset) =>
        (ushort)(cpu.Memory.Bytes[StackSeg * 16 + offset] | cpu.Memory.Bytes[StackSeg * 16 + offset + 1] << 8);

    private static uint StackDword(Processor cpu, int offset) =>
        StackWord(cpu, offset) | (uint)StackWord(cpu, offset + 2) << 16;

    [Theory]
    [InlineData(CpuModel.I8086, StackTop - 2)]
    [InlineData(CpuModel.I186, StackTop - 2)]
    [InlineData(CpuModel.I286, StackTop)]
    [InlineData(CpuModel.I386, StackTop)]
    public void PushSp_pushes_the_new_value_up_to_the_186_and_the_old_one_from_the_286(CpuModel model, int expected)
    {
        var cpu = Boot(model, a => a.push(sp));
        cpu.Run(1);
        cpu.SP.Should().Be(StackTop - 2);
        StackWord(cpu, StackTop - 2).Should().Be((ushort)expected);
    }

    [Fact]
    public void Pusha_and_popa_round_trip_on_the_186_and_skip_the_saved_sp()
    {
        var cpu = Boot(CpuModel.I186, a =>
        {
            a.pusha();
            a.mov(ax, 0); a.mov(cx, 0); a.mov(dx, 0); a.mov(bx, 0);
            a.mov(bp, 0); a.mov(si, 0); a.mov(di, 0);
            a.popa();
        });
        cpu.AX = 1; cpu.CX = 2; cpu.DX = 3; cpu.BX = 4; cpu.BP = 6; cpu.SI = 7; cpu.DI = 8;

        cpu.Run(1);
        cpu.SP.Should().Be(StackTop - 16);
        StackWord(cpu, StackTop - 10).Should().Be(StackTop, "the SP slot holds SP from before PUSHA");
        StackWord(cpu, StackTop - 2).Should().Be(1);
        StackWord(cpu, StackTop - 16).Should().Be(8);

        cpu.Memory.Bytes[StackSeg * 16 + StackTop - 10] = 0x34; // POPA must ignore the saved SP
        cpu.Run(8);
        (cpu.AX, cpu.CX, cpu.DX, cpu.BX, cpu.BP, cpu.SI, cpu.DI).Should().Be(((ushort)1, (ushort)2, (ushort)3, (ushort)4, (ushort)6, (ushort)7, (ushort)8));
        cpu.SP.Should().Be(StackTop);
    }

    [Fact]
    public void Enter_without_nesting_and_leave_build_and_drop_a_frame()
    {
        var cpu = Boot(CpuModel.I186, a => { a.enter(8, 0); a.leave(); });
        cpu.BP = 0x1234;
        cpu.Run(1);
        cpu.BP.Should().Be(StackTop - 2);
        cpu.SP.Should().Be(StackTop - 2 - 8);
        StackWord(cpu, StackTop - 2).Should().Be(0x1234);
        cpu.Run(1);
        cpu.BP.Should().Be(0x1234);
        cpu.SP.Should().Be(StackTop);
    }

    [Fact]
    public void Enter_with_nesting_copies_the_outer_frame_pointers()
    {
        var cpu = Boot(CpuModel.I186, a => a.enter(4, 3));
        // An enclosing frame at BP=0x0F00 whose display holds two outer frame pointers below it.
        cpu.BP = 0x0F00;
        cpu.Memory.Bytes[StackSeg * 16 + 0x0EFE] = 0xAA; cpu.Memory.Bytes[StackSeg * 16 + 0x0EFF] = 0x0A;
        cpu.Memory.Bytes[StackSeg * 16 + 0x0EFC] = 0xBB; cpu.Memory.Bytes[StackSeg * 16 + 0x0EFD] = 0x0B;

        cpu.Run(1);

        ushort frame = StackTop - 2;
        StackWord(cpu, frame).Should().Be(0x0F00, "the caller's BP");
        StackWord(cpu, frame - 2).Should().Be(0x0AAA);
        StackWord(cpu, frame - 4).Should().Be(0x0BBB);
        StackWord(cpu, frame - 6).Should().Be(frame, "the new frame pointer ends the display");
        cpu.BP.Should().Be(frame);
        cpu.SP.Should().Be((ushort)(frame - 6 - 4));
    }

    [Fact]
    public void Bound_inside_the_range_continues_and_outside_raises_int5_with_its_own_ip()
    {
        // bound ax, [0x0200] ; nop ; the bounds are -5..+5.
        var cpu = Boot(CpuModel.I186, new byte[] { 0x62, 0x06, 0x00, 0x02, 0x90 });
        cpu.DS = CodeSeg;
        cpu.Memory.Load(CodeSeg * 16u + 0x200, new byte[] { 0xFB, 0xFF, 0x05, 0x00 });
        cpu.Memory.Load(5 * 4, new byte[] { 0x00, 0x30, 0x00, 0x40 }); // INT 5 -> 4000:3000

        cpu.AX = 0xFFFB; // -5
        cpu.Run(1);
        cpu.IP.Should().Be(CodeIp + 4);

        cpu.IP = CodeIp;
        cpu.AX = 6;
        cpu.Run(1);
        cpu.CS.Should().Be(0x4000);
        cpu.IP.Should().Be(0x3000);
        StackWord(cpu, StackTop - 6).Should().Be(CodeIp, "#BR is a fault: the pushed IP is BOUND's");
        StackWord(cpu, StackTop - 4).Should().Be(CodeSeg);
    }

    [Fact]
    public void Call_and_ret_with_a_32_bit_operand_size_push_and_pop_a_dword()
    {
        // 0100: 66 E8 01 00 00 00  call (32-bit) 0107 ; 0106: hlt ; 0107: 66 C3  ret (32-bit)
        var cpu = Boot(CpuModel.I386, new byte[] { 0x66, 0xE8, 0x01, 0x00, 0x00, 0x00, 0xF4, 0x66, 0xC3 });
        cpu.Esp = 0xABCD_0000u | StackTop;

        cpu.Run(1);
        cpu.IP.Should().Be(CodeIp + 7);
        cpu.SP.Should().Be(StackTop - 4);
        (cpu.Esp >> 16).Should().Be(0xABCDu, "the real-mode stack is 16-bit: ESP's top half stays");
        StackDword(cpu, StackTop - 4).Should().Be(CodeIp + 6u);

        cpu.Run(1);
        cpu.IP.Should().Be(CodeIp + 6);
        cpu.SP.Should().Be(StackTop);
    }

    [Fact]
    public void Pushad_and_popad_save_all_eight_dwords()
    {
        var cpu = Boot(CpuModel.I386, new byte[] { 0x66, 0x60, 0x66, 0x61 });
        cpu.Eax = 0x1111_1111; cpu.Edi = 0x8888_8888; cpu.Ebp = 0x6666_6666;
        cpu.Run(1);
        cpu.SP.Should().Be(StackTop - 32);
        StackDword(cpu, StackTop - 4).Should().Be(0x1111_1111);
        StackDword(cpu, StackTop - 20).Should().Be(StackTop);
        StackDword(cpu, StackTop - 32).Should().Be(0x8888_8888);
        cpu.Eax = 0; cpu.Edi = 0; cpu.Ebp = 0;
        cpu.Run(1);
        (cpu.Eax, cpu.Edi, cpu.Ebp).Should().Be((0x1111_1111u, 0x8888_8888u, 0x6666_6666u));
        cpu.SP.Should().Be(StackTop);
    }

    [Fact]
    public void Rep_movsd_with_32_bit_addressing_uses_esi_edi_ecx_and_retires_one_per_iteration()
    {
        // 67 66 F3 A5: rep movsd with a 32-bit address size (ESI, EDI, ECX).
        var cpu = Boot(CpuModel.I386, new byte[] { 0x67, 0x66, 0xF3, 0xA5 });
        cpu.DS = 0x3000; cpu.ES = 0x4000;
        cpu.Esi = 0x10; cpu.Edi = 0x20; cpu.Ecx = 3;
        for (int i = 0; i < 12; i++)
            cpu.Memory.Bytes[0x30010 + i] = (byte)(i + 1);

        cpu.Step(); // a REP instruction to completion

        cpu.Retired.Should().Be(3);
        cpu.Memory.Bytes.Slice(0x40020, 12).ToArray().Should().Equal(cpu.Memory.Bytes.Slice(0x30010, 12).ToArray());
        (cpu.Esi, cpu.Edi, cpu.Ecx).Should().Be((0x1Cu, 0x2Cu, 0u));
        cpu.IP.Should().Be(CodeIp + 4);
    }

    [Fact]
    public void Rep_movsd_counts_each_iteration_as_retired()
    {
        var cpu = Boot(CpuModel.I386, new byte[] { 0x66, 0xF3, 0xA5, 0x90 });
        cpu.Ecx = 5;
        cpu.Step(); // a REP instruction to completion
        cpu.Retired.Should().Be(5);
        cpu.CX.Should().Be(0);
    }

    [Fact]
    public void Rep_with_cx_zero_does_nothing()
    {
        var cpu = Boot(CpuModel.I8086, new byte[] { 0xF3, 0xAA });
        cpu.DI = 0x40;
        cpu.Run(1);
        cpu.DI.Should().Be(0x40);
        cpu.IP.Should().Be(CodeIp + 2);
    }

    [Fact]
    public void Repe_cmpsb_stops_at_the_first_difference()
    {
        var cpu = Boot(CpuModel.I8086, new byte[] { 0xF3, 0xA6 });
        cpu.DS = 0x3000; cpu.ES = 0x4000; cpu.SI = 0; cpu.DI = 0; cpu.CX = 10;
        cpu.Memory.Load(0x30000, "abcdef"u8);
        cpu.Memory.Load(0x40000, "abcXef"u8);
        cpu.Step(); // a REP instruction to completion
        cpu.CX.Should().Be(6);
        cpu.SI.Should().Be(4);
        (cpu.Flags & CpuFlags.ZF).Should().Be(0);
    }

    private sealed class PortCounter : ExitHandler
    {
        public readonly List<(bool Write, uint Port, int Size, uint Value)> Exits = [];
        public ushort Next = 0x1000;

        public override void HandleExit(Processor cpu, ref VmExit exit)
        {
            if (exit.Reason != ExitReason.Io)
                return;
            if (!exit.IsWrite)
                exit.Value = Next++;
            Exits.Add((exit.IsWrite, exit.Address, exit.Size, exit.Value));
        }
    }

    [Fact]
    public void Rep_insw_makes_one_exit_per_word()
    {
        var ports = new PortCounter();
        var cpu = Boot(CpuModel.I186, new byte[] { 0xF3, 0x6D });
        cpu.ExitHandler = ports;
        cpu.ES = 0x3000; cpu.DI = 0x10; cpu.DX = 0x1F0; cpu.CX = 4;

        cpu.Step(); // a REP instruction to completion

        ports.Exits.Should().HaveCount(4).And.OnlyContain(e => !e.Write && e.Port == 0x1F0 && e.Size == 2);
        cpu.Memory.Bytes.Slice(0x30010, 8).ToArray().Should().Equal(0x00, 0x10, 0x01, 0x10, 0x02, 0x10, 0x03, 0x10);
        cpu.DI.Should().Be(0x18);
        cpu.CX.Should().Be(0);
    }

    [Theory]
    [InlineData(CpuModel.I186)]
    [InlineData(CpuModel.I286)]
    [InlineData(CpuModel.I386)]
    public void Rep_outsb_writes_bytes_and_steps_si_by_one_though_the_port_is_in_dx(CpuModel model)
    {
        var ports = new PortCounter();
        var cpu = Boot(model, new byte[] { 0xF3, 0x6E });
        cpu.ExitHandler = ports;
        cpu.DS = 0x3000; cpu.SI = 0x10; cpu.DX = 0x3F8; cpu.CX = 3;
        cpu.Memory.Load(0x30010, new byte[] { 0x41, 0x42, 0x43, 0x44 });

        cpu.Step();

        ports.Exits.Should().Equal((true, 0x3F8u, 1, 0x41u), (true, 0x3F8u, 1, 0x42u), (true, 0x3F8u, 1, 0x43u));
        cpu.SI.Should().Be(0x13);
    }

    [Fact]
    public void Out_dx_writes_the_accumulator_width_not_dx_width()
    {
        var ports = new PortCounter();
        var cpu = Boot(CpuModel.I386, new byte[] { 0xEE, 0x66, 0xEF, 0xE6, 0x80 });
        cpu.ExitHandler = ports;
        cpu.DX = 0x3F8; cpu.Eax = 0x1234_5678;
        cpu.Run(3);
        ports.Exits.Should().Equal((true, 0x3F8u, 1, 0x78u), (true, 0x3F8u, 4, 0x1234_5678u), (true, 0x80u, 1, 0x78u));
    }

    [Fact]
    public void Int_and_iret_round_trip_through_the_ivt()
    {
        // Main: int 21h ; nop.  Handler at 5000:0000: mov ax, 0x4242 ; iret.
        var cpu = Boot(CpuModel.I8086, new byte[] { 0xCD, 0x21, 0x90 });
        cpu.Memory.Load(0x21 * 4, new byte[] { 0x00, 0x00, 0x00, 0x50 });
        cpu.Memory.Load(0x50000, new byte[] { 0xB8, 0x42, 0x42, 0xCF });
        cpu.Flags = CpuFlags.IF | CpuFlags.CF;

        cpu.Run(1);
        (cpu.CS, cpu.IP).Should().Be(((ushort)0x5000, (ushort)0));
        (cpu.Flags & CpuFlags.IF).Should().Be(0, "entry through the IVT clears IF");
        StackWord(cpu, StackTop - 6).Should().Be(CodeIp + 2, "INT pushes the next instruction's IP");

        cpu.Run(2);
        (cpu.CS, cpu.IP).Should().Be((CodeSeg, (ushort)(CodeIp + 2)));
        cpu.AX.Should().Be(0x4242);
        (cpu.Flags & (CpuFlags.IF | CpuFlags.CF)).Should().Be(CpuFlags.IF | CpuFlags.CF);
        cpu.SP.Should().Be(StackTop);
    }

    [Fact]
    public void Popf_on_the_286_keeps_bits_12_to_15_clear()
    {
        var cpu = Boot(CpuModel.I286, new byte[] { 0x9D });
        cpu.Memory.Bytes[StackSeg * 16 + StackTop - 2] = 0xFF;
        cpu.Memory.Bytes[StackSeg * 16 + StackTop - 1] = 0xFF;
        cpu.SP = StackTop - 2;
        cpu.Run(1);
        (cpu.Flags & 0xF000).Should().Be(0);
    }
}
