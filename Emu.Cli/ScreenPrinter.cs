using Emu.Hypervisor;

namespace Emu.Cli;

/// <summary>--screen: the 80x25 text screen at the end of the run, 25 lines, trailing blanks trimmed.</summary>
internal static class ScreenPrinter
{
    public static void Print(VirtualMachine vm, TextWriter output)
    {
        foreach (var line in vm.TextScreenLines())
            output.WriteLine(line);
        output.Flush();
    }
}
