using Emu.Cpu;
using Emu.Hypervisor.Diagnostics;
using Emu.Io.Bus;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// The debugging state of one machine: breakpoints, watchpoints, break-exit specs, the stop waiting to be
/// reported, and the front end (gdb) if any. The machine has one only when asked (--gdb, --break-exit); without
/// one, the run loop and the exit path test one reference for null and do nothing else.
/// </summary>
public sealed class MachineDebugger
{
    private readonly Emu.Memory.GuestMemory _memory; // for the instruction an exit came from
    private readonly List<ExitBreak> _exitBreaks = [];
    private DebugStop? _pending;
    private uint? _resumedAt;

    public MachineDebugger(VirtualMachine vm)
    {
        _memory = vm.Memory;
        Watchpoints = new Watchpoints(vm.Memory, vm.Cpu);
    }

    public Breakpoints Breakpoints { get; } = new();
    public Watchpoints Watchpoints { get; }
    public IReadOnlyList<ExitBreak> ExitBreaks => _exitBreaks;

    /// <summary>The user's debugger; null when the stops only end the run (--break-exit without --gdb).</summary>
    public IDebugFrontEnd? FrontEnd { get; set; }

    /// <summary>Stop before the first instruction (--gdb-wait).</summary>
    public bool StopAtStart { get; set; }

    /// <summary>True while the guest is being single-stepped.</summary>
    internal bool Stepping { get; set; }

    /// <summary>Whether the machine must look at every instruction (a breakpoint is set, or a step is under way).</summary>
    internal bool WatchesEachInstruction => Stepping || Breakpoints.Any;

    public void AddExitBreak(ExitBreak spec) => _exitBreaks.Add(spec);

    public bool RemoveExitBreak(int index)
    {
        if (index < 0 || index >= _exitBreaks.Count)
            return false;
        _exitBreaks.RemoveAt(index);
        return true;
    }

    /// <summary>Forgets every breakpoint, watchpoint and break-exit (gdb detached).</summary>
    public void ClearAll()
    {
        Breakpoints.Clear();
        Watchpoints.Clear();
        _exitBreaks.Clear();
        Stepping = false;
    }

    /// <summary>Records why the guest stops; the first reason of an instruction wins.</summary>
    internal void Stop(DebugStop stop) => _pending ??= stop;

    /// <summary>The stop the run loop must report now, if the CPU stopped for the debugger.</summary>
    internal DebugStop? TakeStop()
    {
        if (Watchpoints.Hit is { } watch)
        {
            Watchpoints.Hit = null;
            Stop(watch);
        }
        var stop = _pending;
        _pending = null;
        return stop;
    }

    /// <summary>The guest goes on from CS:IP: a breakpoint there does not stop it again before it moves.</summary>
    internal void Resumed(uint linear) => _resumedAt = linear;

    /// <summary>Before an instruction (its interrupt delivered): true, with the stop recorded, when a breakpoint is at it.</summary>
    internal bool BreaksBefore(Processor cpu)
    {
        uint linear = LinearPc(cpu);
        if (_resumedAt is uint resumed)
        {
            _resumedAt = null;
            if (resumed == linear)
                return false;
        }
        if (cpu.ResumingRepeat || Breakpoints.At(linear) is not DebugStopKind kind)
            return false;
        Stop(new DebugStop(kind, $"{(Breakpoints.IsMonitor(linear) ? "monitor " : "")}breakpoint at {cpu.CS:X4}:{cpu.IP:X4}"));
        return true;
    }

    /// <summary>After an exit completed: stops the guest (once the instruction is done) when a spec matches.</summary>
    internal void CheckExit(Processor cpu, in VmExit exit, DeviceRange? range)
    {
        foreach (var spec in _exitBreaks)
        {
            if (!spec.Matches(exit, range))
                continue;
            Stop(new DebugStop(DebugStopKind.ExitBreak, $"break-exit {spec.Text} matched {Describe(exit, range)}"));
            cpu.RequestStop();
            return;
        }
    }

    internal bool HasExitBreaks => _exitBreaks.Count > 0;

    /// <summary>The linear address of the next instruction, gdb's program counter in real mode.</summary>
    public static uint LinearPc(Processor cpu) => ((uint)cpu.CS << 4) + cpu.IP;

    /// <summary>An exit in one line: <c>io out 01F6h/1 = A0h (ata0.drive) by 0000:7C2E out dx, al</c>.</summary>
    public string Describe(in VmExit exit, DeviceRange? range)
    {
        string what = exit.Reason switch
        {
            ExitReason.Io => $"io {(exit.IsWrite ? "out" : "in")} {exit.Address:X4}h/{exit.Size} = {Hex(exit.Value, exit.Size)}",
            ExitReason.Mmio => $"mmio {(exit.IsWrite ? "write" : "read")} {exit.Address:X5}h/{exit.Size} = {Hex(exit.Value, exit.Size)}",
            ExitReason.Hypercall => $"hypercall {exit.Address:X4}h",
            _ => exit.Reason.ToString().ToLowerInvariant(),
        };
        string device = range is null ? exit.Reason is ExitReason.Io or ExitReason.Mmio ? " (unclaimed)" : ""
            : $" ({range.Device.Name}.{range.RegisterName(exit.Address, exit.IsWrite)})";
        string instruction = new Disassembler().FormatAt(_memory, exit.Cs, (ushort)exit.Ip, out _);
        return $"exit {what}{device} by {exit.Cs:X4}:{exit.Ip:X4} {instruction}";
    }

    private static string Hex(uint value, int size) => value.ToString(size == 1 ? "X2" : size == 2 ? "X4" : "X8") + "h";

    /// <summary>The registers in one line, for --break-exit's report and monitor registers.</summary>
    public static string RegisterLine(Processor c) =>
        $"EAX={c.Eax:X8} EBX={c.Ebx:X8} ECX={c.Ecx:X8} EDX={c.Edx:X8} ESI={c.Esi:X8} EDI={c.Edi:X8} EBP={c.Ebp:X8} ESP={c.Esp:X8} "
        + $"CS={c.CS:X4} IP={c.IP:X4} DS={c.DS:X4} ES={c.ES:X4} SS={c.SS:X4} FS={c.FS:X4} GS={c.GS:X4} FLAGS={c.Flags:X4}";
}
