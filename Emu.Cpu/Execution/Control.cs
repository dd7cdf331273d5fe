using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>JMP, CALL, RET, RETF, Jcc, JCXZ, LOOP*, INT, INT3, INTO, INT1, IRET, BOUND.</summary>
internal static unsafe class Control
{
    public static void Register()
    {
    }
}
