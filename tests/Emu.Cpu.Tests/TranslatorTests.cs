using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Tests;

public class TranslatorTests
{
    /// <summary>
    /// The Translator reads an encoding's declared operand size from the operands and a list of codes instead of Iced's
    /// OpCodeInfo table (whose first use costs milliseconds of every start). Every one-byte, 0F and 0F38/0F3A opcode,
    /// with each ModRM reg field in a memory and a register form, bare and after 66h and 67h, decoded as 16-bit code:
    /// wherever no general register or sized memory operand gives the size, it must be the one Iced's table declares.
    /// </summary>
    [Fact]
    public void The_declared_operand_size_is_the_one_Iced_declares_on_every_opcode()
    {
        byte[][] prefixes = [[], [0x66], [0x67], [0x66, 0x67]];
        var checkedCodes = new HashSet<Code>();
        var wrong = new List<string>();
        foreach (byte[] prefix in prefixes)
        {
            foreach (byte[] opcode in Opcodes())
            {
                for (int modrm = 0; modrm < 0x100; modrm += 8)
                {
                    // mod 00 r/m 110: a disp16 memory operand; then mod 11 with the same reg field.
                    foreach (byte form in new[] { (byte)(modrm | 0x06), (byte)(modrm | 0xC0) })
                    {
                        byte[] bytes = [.. prefix, .. opcode, form, 0x34, 0x12, 0x78, 0x56, 0x9A, 0xBC];
                        var decoder = Decoder.Create(16, new ByteArrayCodeReader(bytes));
                        decoder.Decode(out Instruction ins);
                        if (ins.Code == Code.INVALID || OperandsGiveSize(in ins))
                            continue;
                        checkedCodes.Add(ins.Code);
                        int expected = ins.Code.ToOpCode().OperandSize == 32 ? 4 : 2;
                        if (Translator.DeclaredOperandSize(in ins) != expected)
                            wrong.Add($"{ins.Code}: {Translator.DeclaredOperandSize(in ins)}, Iced {expected}");
                    }
                }
            }
        }
        wrong.Distinct().Should().BeEmpty();
        checkedCodes.Should().Contain([Code.Jmp_ptr1632, Code.Iretd, Code.Pushd_ES, Code.Retfd_imm16, Code.Fnstenv_m28byte, Code.Int_imm8]);
    }

    private static IEnumerable<byte[]> Opcodes()
    {
        for (int b = 0; b < 0x100; b++)
            yield return [(byte)b];
        for (int b = 0; b < 0x100; b++)
            yield return [0x0F, (byte)b];
        for (int b = 0; b < 0x100; b++)
        {
            yield return [0x0F, 0x38, (byte)b];
            yield return [0x0F, 0x3A, (byte)b];
        }
    }

    // As Translator.OperandSize looks: a general register, or a memory operand of 1, 2 or 4 bytes (OUT names its port first).
    private static bool OperandsGiveSize(in Instruction ins)
    {
        bool portFirst = ins.Mnemonic is Mnemonic.Out or Mnemonic.Outsb or Mnemonic.Outsw or Mnemonic.Outsd;
        for (int i = portFirst ? 1 : 0; i < Math.Min(ins.OpCount, 3); i++)
        {
            switch (ins.GetOpKind(i))
            {
                case OpKind.Register when ins.GetOpRegister(i) is var r && (r.IsGPR8() || r.IsGPR16() || r.IsGPR32()):
                    return true;
                case OpKind.Memory or OpKind.MemorySegSI or OpKind.MemorySegDI or OpKind.MemoryESDI or OpKind.MemorySegESI
                    or OpKind.MemorySegEDI or OpKind.MemoryESEDI when ins.MemorySize.GetSize() is 1 or 2 or 4:
                    return true;
            }
        }
        return false;
    }
}
