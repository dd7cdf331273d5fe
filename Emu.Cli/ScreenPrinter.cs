using Emu.Hypervisor;

namespace Emu.Cli;

/// <summary>--screen: the text screen at the end of the run, one line per row, trailing blanks trimmed.</summary>
internal static class ScreenPrinter
{
    /// <summary>Prints the screen; a mode without text gets one line on stderr instead, naming the mode.</summary>
    public static void Print(VirtualMachine vm, TextWriter output, TextWriter errors)
    {
        var mode = vm.Display.Mode;
        if (mode.Kind != ScreenKind.Text)
        {
            errors.WriteLine($"emu: --screen: the guest is in video mode {mode.Description}, which has no text to print"
                + (mode.Kind == ScreenKind.Mode13 ? "; --screenshot FILE.png draws it" : ""));
            return;
        }
        foreach (var line in vm.Display.TextLines())
            output.WriteLine(line);
        output.Flush();
    }
}
