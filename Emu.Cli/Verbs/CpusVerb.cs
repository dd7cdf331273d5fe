using CommandLine;
using Emu.Cpu;
using Emu.Cpu.Decoding;

namespace Emu.Cli.Verbs;

[Verb("cpus", HelpText = "List the CPU models, the instructions each executes and where they differ in real mode.")]
public sealed class CpusOptions
{
    [Option("verbose", HelpText = "List every mnemonic per model.")]
    public bool Verbose { get; set; }
}

public static class CpusVerb
{
    public static int Run(CpusOptions options, TextWriter output)
    {
        IReadOnlyList<string>? previous = null;
        foreach (var model in Enum.GetValues<CpuModel>())
        {
            var (mnemonics, encodings, fpu) = InstructionCoverage.For(model);
            output.WriteLine($"{model.Name(),-5} {mnemonics.Count,4} mnemonics, {encodings,4} encodings (+{fpu} FPU escapes run as no-ops: no coprocessor)");
            foreach (var rule in ModelRules.For(model))
                output.WriteLine($"      {rule.Topic,-18} {rule.Rule}");
            if (options.Verbose)
            {
                var added = previous is null ? mnemonics : mnemonics.Except(previous).ToList();
                output.WriteLine($"      {(previous is null ? "" : "adds: ")}{string.Join(' ', added)}");
            }
            previous = mnemonics;
        }
        return ExitCodes.Success;
    }
}
