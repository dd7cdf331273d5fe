using CommandLine;

namespace Emu.Cli.Verbs;

// The debugging options of run and boot (DebugAttach.cs turns them into the machine's debugger).
public abstract partial class MachineOptions
{
    [Option("gdb", HelpText = "Serve gdb's remote protocol on 127.0.0.1:PORT (0: a free port, printed on stderr); gdb connects with 'target remote 127.0.0.1:PORT'.")]
    public int? GdbPort { get; set; }

    [Option("gdb-wait", HelpText = "With --gdb: hold the guest before its first instruction until gdb connects and continues.")]
    public bool GdbWait { get; set; }

    [Option("break-exit", HelpText = "Stop after a VM exit that matches SPEC: port N[-M], mmio A[-B], device NAME or reason io|mmio|hypercall "
        + "(repeatable). Without --gdb the run ends there (exit status 6) with the exit and the registers on stderr.")]
    public IEnumerable<string> BreakExits { get; set; } = [];

    [Option("save-snapshot", HelpText = "When the run ends, write the whole machine's state to FILE; --load-snapshot FILE resumes it (docs/DEBUGGING.md).")]
    public string? SaveSnapshot { get; set; }

    [Option("load-snapshot", HelpText = "Resume the machine saved in FILE by --save-snapshot, with the same guest, disks (as that run left them) and machine options.")]
    public string? LoadSnapshot { get; set; }
}
