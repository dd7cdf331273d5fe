using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>MUL, IMUL (one, two and three operands), DIV, IDIV, with the 8086's quirks.</summary>
internal static unsafe class MulDiv
{
    public static void Register()
    {
    }
}
