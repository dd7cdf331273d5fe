using CommandLine;
using Emu.Hypervisor.Diagnostics;
using Emu.Hypervisor.Loader;

namespace Emu.Cli.Verbs;

[Verb("disasm", HelpText = "Disassemble a flat binary (Intel syntax, Iced).")]
public sealed class DisasmOptions
{
    [Value(0, MetaName = "FILE", Required = true, HelpText = "The binary to disassemble.")]
    public string File { get; set; } = "";

    [Option("origin", Default = "0000:7C00", HelpText = "SEG:OFF the first byte is loaded at.")]
    public string Origin { get; set; } = "0000:7C00";

    [Option("bits", Default = 16, HelpText = "Code size: 16 or 32.")]
    public int Bits { get; set; } = 16;

    [Option("length", HelpText = "Disassemble at most this many bytes.")]
    public int? Length { get; set; }
}

public static class DisasmVerb
{
    public static int Run(DisasmOptions options, TextWriter output)
    {
        if (!SegmentedAddress.TryParse(options.Origin, out var origin))
            throw new UserError($"--origin '{options.Origin}' is not SEG:OFF in hex (e.g. 0000:7C00)", ExitCodes.Usage);
        if (options.Bits is not (16 or 32))
            throw new UserError("--bits must be 16 or 32", ExitCodes.Usage);
        if (options.Length is < 1)
            throw new UserError("--length must be at least 1", ExitCodes.Usage);
        byte[] code = InputFiles.ReadAll(options.File, "program");
        if (options.Length is int n && n < code.Length)
            code = code[..n];
        foreach (var line in new Disassembler().List(code, origin.Segment, origin.Offset, options.Bits))
            output.WriteLine(line);
        return ExitCodes.Success;
    }
}
