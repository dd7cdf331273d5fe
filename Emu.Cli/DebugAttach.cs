using System.Net.Sockets;
using Emu.Cli.Verbs;
using Emu.Hypervisor;
using Emu.Hypervisor.Debugging;

namespace Emu.Cli;

/// <summary>Gives the machine a debugger when the options ask for one (--gdb, --gdb-wait, --break-exit); each bad
/// value is one clear error. Returns what must be disposed with the session (the gdb server), or null.</summary>
internal static class DebugAttach
{
    /// <summary>Checked before the machine is built, so that a bad value costs nothing.</summary>
    public static void Validate(MachineOptions o)
    {
        if (o.GdbPort is < 0 or > 65535)
            throw new UserError($"--gdb {o.GdbPort} is not a TCP port (0 to 65535; 0 picks a free one)", ExitCodes.Usage);
        if (o.GdbWait && o.GdbPort is null)
            throw new UserError("--gdb-wait needs --gdb PORT", ExitCodes.Usage);
        foreach (string spec in o.BreakExits)
        {
            if (!ExitBreak.TryParse(spec, out _, out var error))
                throw new UserError($"--break-exit: {error}", ExitCodes.Usage);
        }
    }

    public static IDisposable? Attach(VirtualMachine vm, MachineOptions o)
    {
        if (o.GdbPort is null && !o.BreakExits.Any())
            return null;
        var debugger = new MachineDebugger(vm) { StopAtStart = o.GdbWait };
        foreach (string spec in o.BreakExits)
        {
            ExitBreak.TryParse(spec, out var parsed, out _);
            debugger.AddExitBreak(parsed!);
        }
        vm.Debugger = debugger;
        return o.GdbPort is int port ? StartGdbServer(vm, debugger, port) : null;
    }

    // A method of its own: the runtime loads the types of a method's catch clauses when it first runs the method,
    // and SocketException's assembly (with Microsoft.Win32.Primitives under it) is not worth loading at every start.
    private static GdbServer StartGdbServer(VirtualMachine vm, MachineDebugger debugger, int port)
    {
        try
        {
            return GdbServer.Start(vm, debugger, port, Console.Error);
        }
        catch (SocketException e)
        {
            throw new UserError($"--gdb: cannot listen on 127.0.0.1:{port}: {e.Message}");
        }
    }

    /// <summary>What --break-exit prints besides the one-line reason when it stopped the run: the registers.</summary>
    public static void ReportBreak(RunOutcome outcome, VirtualMachine vm, TextWriter error)
    {
        if (outcome.End == RunEnd.Break)
            error.WriteLine($"emu: registers: {MachineDebugger.RegisterLine(vm.Cpu)}");
    }
}
