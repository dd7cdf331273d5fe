using System.Text;
using Emu.Hypervisor.Diagnostics;
using Emu.Hypervisor.Loader;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// gdb's <c>monitor</c> commands: what gdb cannot say about a real-mode machine. Each returns the text gdb prints.
/// </summary>
public sealed class MonitorCommands(VirtualMachine vm, MachineDebugger debugger)
{
    public const string Help = """
        monitor where                 the next instruction as SEG:OFF, its linear address and its disassembly
        monitor registers             every register, segments as SEG (real mode), in one line
        monitor break SEG:OFF         break before the instruction at SEG:OFF (hex), e.g. monitor break 0000:7C05
        monitor delete SEG:OFF        remove such a breakpoint (monitor delete all: all of them)
        monitor break-exit SPEC       stop after a VM exit that matches SPEC: port N[-M], mmio A[-B],
                                      device NAME (ata0, uart-com1...: see monitor stats) or reason io|mmio|hypercall
        monitor break-exit            list the break-exit specs, numbered
        monitor delete-exit N|all     remove break-exit N (or all of them)
        monitor screen                the text screen
        monitor stats                 the VM exit statistics so far
        monitor save-snapshot FILE    write the whole machine's state to FILE (emu --load-snapshot FILE resumes it)

        """;

    public string Run(string command)
    {
        var words = command.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string verb = words.Length > 0 ? words[0].ToLowerInvariant() : "help";
        string argument = words.Length > 1 ? words[1] : "";
        return verb switch
        {
            "where" => Where(),
            "registers" => MachineDebugger.RegisterLine(vm.Cpu) + "\n",
            "break" => Break(argument, add: true),
            "delete" => Break(argument, add: false),
            "break-exit" => BreakExit(argument),
            "delete-exit" => DeleteExit(argument),
            "screen" => Screen(),
            "stats" => Stats(),
            "save-snapshot" => SaveSnapshot(argument),
            "help" => Help,
            _ => $"unknown monitor command '{verb}'; monitor help lists them\n",
        };
    }

    private string SaveSnapshot(string path)
    {
        if (path.Length == 0)
            return "monitor save-snapshot FILE: name the file\n";
        try
        {
            using (var output = new FileStream(path, FileMode.Create, FileAccess.Write))
                vm.Snapshots.Save(output);
            return $"saved the machine at {vm.Cpu.CS:X4}:{vm.Cpu.IP:X4} after {vm.Cpu.Retired:N0} instructions to '{path}'\n";
        }
        catch (Exception e) when (e is Snapshots.SnapshotException or IOException or UnauthorizedAccessException)
        {
            return $"cannot save a snapshot to '{path}': {e.Message}\n";
        }
    }

    private string Where()
    {
        var cpu = vm.Cpu;
        string instruction = new Disassembler().FormatAt(vm.Memory, cpu.CS, cpu.IP, out _);
        return $"{cpu.CS:X4}:{cpu.IP:X4} (linear {MachineDebugger.LinearPc(cpu):X5}) {instruction}; {cpu.Retired:N0} instructions retired\n";
    }

    private string Break(string argument, bool add)
    {
        if (!add && argument.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            foreach (uint linear in debugger.Breakpoints.Monitor.ToList())
                debugger.Breakpoints.RemoveMonitor(linear);
            return "deleted every monitor breakpoint\n";
        }
        if (argument.Length == 0)
            return debugger.Breakpoints.Monitor.Any()
                ? string.Concat(debugger.Breakpoints.Monitor.Select(l => $"breakpoint at linear {l:X5}\n"))
                : "no monitor breakpoints\n";
        if (!SegmentedAddress.TryParse(argument, out var at))
            return $"'{argument}' is not SEG:OFF in hex (e.g. 0000:7C05)\n";
        if (add)
        {
            debugger.Breakpoints.AddMonitor(at.Physical);
            return $"breakpoint at {at} (linear {at.Physical:X5})\n";
        }
        return debugger.Breakpoints.RemoveMonitor(at.Physical) ? $"deleted the breakpoint at {at}\n" : $"no monitor breakpoint at {at}\n";
    }

    private string BreakExit(string argument)
    {
        if (argument.Length == 0)
        {
            if (debugger.ExitBreaks.Count == 0)
                return "no break-exit specs\n";
            var list = new StringBuilder();
            for (int i = 0; i < debugger.ExitBreaks.Count; i++)
                list.Append($"{i + 1}: break-exit {debugger.ExitBreaks[i]}\n");
            return list.ToString();
        }
        if (!ExitBreak.TryParse(argument, out var spec, out var error))
            return error + "\n";
        debugger.AddExitBreak(spec);
        return $"break-exit {debugger.ExitBreaks.Count}: stop after an exit that matches {spec}\n";
    }

    private string DeleteExit(string argument)
    {
        if (argument.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            while (debugger.RemoveExitBreak(0))
            {
            }
            return "deleted every break-exit\n";
        }
        return int.TryParse(argument, out int n) && debugger.RemoveExitBreak(n - 1)
            ? $"deleted break-exit {n}\n"
            : $"no break-exit '{argument}' (monitor break-exit lists them)\n";
    }

    private string Screen()
    {
        var mode = vm.Display.Mode;
        return mode.Kind == ScreenKind.Text
            ? string.Join("\n", vm.Display.TextLines()) + "\n"
            : $"the guest is in video mode {mode.Description}, which has no text to show\n";
    }

    private string Stats()
    {
        vm.UpdateStatistics();
        var text = new StringWriter();
        vm.Stats.WriteTable(text);
        return text.ToString();
    }
}
