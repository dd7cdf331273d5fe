namespace Emu.Cpu.Tests;

/// <summary>
/// The specialised handlers and lazy flags (Execution/Specialized.cs, LazyFlags.cs) against the
/// generic, eager handlers: random straight-line programs of flag writers and flag readers run on
/// two CPUs, one with specialisation off, and must leave identical registers, FLAGS and memory.
/// The single-instruction conformance suite cannot see a flag that is deferred across instructions.
/// </summary>
public class SpecializedHandlerTests
{
    private const uint Data = 0x3000;   // memory operands: [3000h..30FFh]
    private const int Instructions = 300;

    [Theory]
    [InlineData(CpuModel.I8086)]
    [InlineData(CpuModel.I386)]
    public void Random_programs_end_in_the_same_state_with_and_without_specialisation(CpuModel model)
    {
        var random = new Random(1234 + (int)model);
        for (int program = 0; program < 300; program++)
        {
            byte[] code = RandomProgram(random, model);
            byte[] data = new byte[256];
            random.NextBytes(data);
            ushort[] regs = [.. Enumerable.Range(0, 8).Select(_ => (ushort)random.Next(0x10000))];
            int chunk = random.Next(1, 40);

            var eager = Start(model, code, data, regs, specialize: false);
            var fast = Start(model, code, data, regs, specialize: true);
            RunInChunks(eager.Cpu, chunk);
            RunInChunks(fast.Cpu, chunk);

            string where = $"program {program} ({Convert.ToHexString(code)})";
            fast.Cpu.Halted.Should().BeTrue(where);
            for (int r = 0; r < 8; r++)
                fast.Cpu.GetRegister32(r).Should().Be(eager.Cpu.GetRegister32(r), $"register {r} after {where}");
            fast.Cpu.Flags.Should().Be(eager.Cpu.Flags, $"FLAGS after {where}");
            fast.Memory.Bytes.Slice((int)Data, 256).ToArray().Should().Equal(eager.Memory.Bytes.Slice((int)Data, 256).ToArray(), where);
            fast.Memory.Bytes.Slice(0xF000, 0x1000).ToArray().Should().Equal(eager.Memory.Bytes.Slice(0xF000, 0x1000).ToArray(), $"stack after {where}");
        }
    }

    // Small Run calls: lazy state must survive the loop returning and being entered again.
    private static void RunInChunks(Processor cpu, int chunk)
    {
        for (int i = 0; i < 10 * Instructions && !cpu.Halted; i++)
            cpu.Run(chunk);
    }

    private static CoreMachine Start(CpuModel model, byte[] code, byte[] data, ushort[] regs, bool specialize)
    {
        var m = new CoreMachine(model, code);
        m.Cpu.UseSpecializedHandlers = specialize;
        m.Cpu.FlushDecodeCache();
        m.Memory.Load(Data, data);
        ushort[] values = [.. regs];
        values[Reg.SP] = 0xFFFE;
        m.Cpu.AX = values[0]; m.Cpu.CX = values[1]; m.Cpu.DX = values[2]; m.Cpu.BX = values[3];
        m.Cpu.SP = values[4]; m.Cpu.BP = values[5]; m.Cpu.SI = values[6]; m.Cpu.DI = values[7];
        return m;
    }

    private static readonly int[] WordRegs = [0, 1, 2, 3, 5, 6, 7]; // never SP

    private static byte[] RandomProgram(Random random, CpuModel model)
    {
        var code = new List<byte>();
        bool is386 = model == CpuModel.I386;
        for (int i = 0; i < Instructions; i++)
        {
            int alu = random.Next(8); // ADD OR ADC SBB AND SUB XOR CMP
            int r1 = WordRegs[random.Next(WordRegs.Length)], r2 = WordRegs[random.Next(WordRegs.Length)];
            int r8a = random.Next(8), r8b = random.Next(8);
            int cc = random.Next(16);
            byte disp = (byte)random.Next(0, 255);
            byte imm = (byte)random.Next(256);
            int form = random.Next(26);
            int shift = random.Next(7) is var n && n == 6 ? 7 : n; // ROL ROR RCL RCR SHL SHR SAR (SAL is SETMO on the 8086)
            byte count = (byte)random.Next(40); // 0 (no change) and past 31 take the generic handler
            // 32-bit operand size for the next instruction; not for MOV r,imm, whose length it changes.
            if (is386 && form != 15 && random.Next(4) == 0)
                code.Add(0x66);
            switch (form)
            {
                case 0: code.AddRange([(byte)(0x01 + 8 * alu), (byte)(0xC0 | r2 << 3 | r1)]); break;   // alu r16, r16
                case 1: code.AddRange([(byte)(0x00 + 8 * alu), (byte)(0xC0 | r8b << 3 | r8a)]); break; // alu r8, r8
                case 2: code.AddRange([0x83, (byte)(0xC0 | alu << 3 | r1), imm]); break;                // alu r16, imm8
                case 3: code.AddRange([0x80, (byte)(0xC0 | alu << 3 | r8a), imm]); break;               // alu r8, imm8
                case 4: code.AddRange([(byte)(0x03 + 8 * alu), (byte)(0x06 | r1 << 3), disp, 0x30]); break; // alu r16, [m]
                case 5: code.AddRange([(byte)(0x01 + 8 * alu), (byte)(0x06 | r1 << 3), disp, 0x30]); break; // alu [m], r16
                case 6: code.AddRange([0x80, (byte)(0x06 | alu << 3), disp, 0x30, imm]); break;          // alu byte [m], imm8
                case 7: code.Add((byte)(0x40 + r1)); break;                                              // inc r16
                case 8: code.Add((byte)(0x48 + r1)); break;                                              // dec r16
                case 9: code.AddRange([0xFE, (byte)(0xC0 | random.Next(2) << 3 | r8a)]); break;          // inc/dec r8
                case 10: code.AddRange([(byte)(0x70 + cc), 0x01, (byte)(0x40 + r1)]); break;            // jcc over an inc
                case 11: code.AddRange([0x9C, (byte)(0x58 + r1)]); break;                               // pushf ; pop r16
                case 12: code.AddRange([0x85, (byte)(0xC0 | r2 << 3 | r1)]); break;                     // test r16, r16
                case 13: code.Add(random.Next(3) switch { 0 => 0xF8, 1 => 0xF9, _ => 0xF5 }); break;    // clc / stc / cmc
                case 14: code.Add(random.Next(2) == 0 ? (byte)0x9F : (byte)0x9E); break;                 // lahf / sahf
                case 15: code.AddRange([(byte)(0xB8 + r1), imm, (byte)random.Next(256)]); break;        // mov r16, imm16
                case 16: code.AddRange([0xF7, (byte)(0xC0 | random.Next(2, 4) << 3 | r1)]); break;      // not / neg r16
                case 17: code.AddRange([0xD1, (byte)(0xC0 | random.Next(4, 6) << 3 | r1)]); break;     // shl / shr r16, 1
                case 18 when is386: code.AddRange([0x0F, (byte)(0x90 + cc), (byte)(0xC0 | r8a)]); break; // setcc r8
                case 18: code.AddRange([0x0E, 0x1F]); break;                                             // push cs ; pop ds (DS = 0)
                case 20: code.AddRange([0xFF, (byte)(0x06 | random.Next(2) << 3), disp, 0x30]); break;   // inc / dec word [m]
                case 21: code.AddRange([(byte)(0xF6 + random.Next(2)), (byte)(0x06 | random.Next(2, 4) << 3), disp, 0x30]); break; // not / neg [m]
                case 22 when is386: code.AddRange([0xC1, (byte)(0xC0 | shift << 3 | r1), count]); break;  // shift r16, imm8
                case 22: code.AddRange([0xD1, (byte)(0xC0 | shift << 3 | r1)]); break;                    // shift r16, 1
                case 23 when is386: code.AddRange([0xC0, (byte)(0xC0 | shift << 3 | r8a), count]); break; // shift r8, imm8
                case 23: code.AddRange([0xD0, (byte)(0xC0 | shift << 3 | r8a)]); break;                   // shift r8, 1
                case 24: code.AddRange([(byte)(0x86 + random.Next(2)), (byte)(0xC0 | r2 << 3 | r1)]); break; // xchg r8/r16, r8/r16
                case 25: code.AddRange([0x8D, (byte)(0x40 | r1 << 3 | random.Next(8)), disp]); break;    // lea r16, [base+index+disp8]
                default: code.AddRange([(byte)(0x89), (byte)(0x06 | r1 << 3), disp, 0x30]); break;     // mov [m], r16
            }
        }
        code.Add(0xF4);
        return [.. code];
    }
}
