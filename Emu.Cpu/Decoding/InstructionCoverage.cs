using Iced.Intel;

namespace Emu.Cpu.Decoding;

/// <summary>Which instructions a CPU model executes: every Iced encoding that is legal in 16-bit
/// code, that the model has (by Iced's CPUID feature list) and that has a handler here. FPU
/// escapes are counted apart: with no coprocessor fitted they execute as no-ops.</summary>
public static class InstructionCoverage
{
    /// <summary>Mnemonics (lower case, sorted) the model executes, with the number of encodings.</summary>
    public static (IReadOnlyList<string> Mnemonics, int Encodings, int FpuEscapes) For(CpuModel model)
    {
        var mnemonics = new SortedSet<string>(StringComparer.Ordinal);
        int encodings = 0, fpu = 0;
        foreach (var code in Enum.GetValues<Code>())
        {
            if (code == Code.INVALID)
                continue;
            var info = code.ToOpCode();
            if (!info.Mode16 || info.Encoding != EncodingKind.Legacy || !HandlerTable.Supports(code, model) || !HandlerTable.HasHandler(code))
                continue;
            if (HandlerTable.IsFpu(code))
            {
                fpu++;
                continue;
            }
            encodings++;
            mnemonics.Add(code.Mnemonic().ToString().ToLowerInvariant());
        }
        return (mnemonics.ToList(), encodings, fpu);
    }
}
