using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>ROL ROR RCL RCR SHL SHR SAR, SAL (SETMO on the 8086), SHLD SHRD.</summary>
internal static unsafe class Shift
{
    public static void Register()
    {
    }
}
