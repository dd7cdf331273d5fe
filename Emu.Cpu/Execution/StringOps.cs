using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>MOVS CMPS SCAS LODS STOS INS OUTS with REP/REPE/REPNE.</summary>
internal static unsafe class StringOps
{
    public static void Register()
    {
    }
}
