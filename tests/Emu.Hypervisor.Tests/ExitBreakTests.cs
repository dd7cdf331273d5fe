using Emu.Hypervisor.Debugging;

namespace Emu.Hypervisor.Tests;

public class ExitBreakTests
{
    [Theory]
    [InlineData("port 0x1f0-0x1f7", "port 0x1f0-0x1f7")]
    [InlineData("  MMIO   0xd0000 ", "mmio 0xd0000")]
    [InlineData("device ata0", "device ata0")]
    [InlineData("reason hypercall", "reason hypercall")]
    public void Valid_specs_parse_to_their_normal_form(string text, string normal)
    {
        ExitBreak.TryParse(text, out var spec, out var error).Should().BeTrue();
        error.Should().BeNull();
        spec!.Text.Should().Be(normal);
    }

    [Theory]
    [InlineData("disk 3", ExitBreakFault.NotASpec, "", "", 0u)]
    [InlineData("port", ExitBreakFault.NotASpec, "", "", 0u)]
    [InlineData("port 1 2", ExitBreakFault.NotASpec, "", "", 0u)]
    [InlineData("reason dma", ExitBreakFault.UnknownReason, "reason", "dma", 0u)]
    [InlineData("port 0x1f7-0x1f0", ExitBreakFault.BadRange, "port", "0x1f7-0x1f0", 0xFFFFu)]
    [InlineData("port 0x10000", ExitBreakFault.BadRange, "port", "0x10000", 0xFFFFu)]
    [InlineData("mmio 110000h", ExitBreakFault.BadRange, "mmio", "110000h", 0x10_FFFFu)]
    [InlineData("mmio 1-2-3", ExitBreakFault.BadRange, "mmio", "1-2-3", 0x10_FFFFu)]
    public void Bad_specs_say_what_is_wrong(string text, ExitBreakFault fault, string kind, string word, uint max)
    {
        ExitBreak.TryParse(text, out var spec, out var error).Should().BeFalse();
        spec.Should().BeNull();
        error.Should().Be(new ExitBreakError(fault, text, kind, word, max));
    }
}
