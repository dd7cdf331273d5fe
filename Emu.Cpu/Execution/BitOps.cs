using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>BT BTS BTR BTC, BSF BSR, SETcc, BSWAP, XADD, CMPXCHG (386/486).</summary>
internal static unsafe class BitOps
{
    public static void Register()
    {
    }
}
