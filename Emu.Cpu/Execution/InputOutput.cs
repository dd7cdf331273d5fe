using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>IN and OUT: each access is a VM exit.</summary>
internal static unsafe class InputOutput
{
    public static void Register()
    {
    }
}
