using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>DAA DAS AAA AAS AAM AAD, SALC.</summary>
internal static unsafe class Bcd
{
    public static void Register()
    {
    }
}
