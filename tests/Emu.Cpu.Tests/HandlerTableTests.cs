using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Tests;

public class HandlerTableTests
{
    [Fact]
    public void The_tables_have_a_row_for_every_code_and_mnemonic_Iced_decodes()
    {
        HandlerTable.CodeCount.Should().Be(Enum.GetValues<Code>().Length);
        HandlerTable.MnemonicCount.Should().Be(Enum.GetValues<Mnemonic>().Length);
    }
}
