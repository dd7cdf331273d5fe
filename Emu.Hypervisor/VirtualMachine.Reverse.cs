using Emu.Cpu;
using Emu.Hypervisor.Debugging;
using Emu.Hypervisor.Snapshots;

namespace Emu.Hypervisor;

// Reverse execution for the debugger (gdb's reverse-stepi and reverse-continue): the run is deterministic, so going
// back is going forward again from an earlier snapshot (SnapshotHistory) and stopping one instruction, or one event,
// before where the guest stood.
public sealed partial class VirtualMachine
{
    /// <summary>The snapshots of a debugged run; null until a debugger with a front end stops the guest.</summary>
    internal SnapshotHistory? History { get; private set; }

    private void RecordHistory(MachineDebugger debugger)
    {
        if (debugger.FrontEnd is null)
            return;
        History ??= new SnapshotHistory(this);
        History.Record();
    }

    /// <summary>Goes back one instruction, or (<paramref name="toEvent"/>) to the last breakpoint, watchpoint or
    /// break-exit stop before the current one; at the start of the history, stops there and says so.</summary>
    private DebugStop Reverse(MachineDebugger debugger, bool toEvent)
    {
        long now = Cpu.Retired;
        if (History is not { Start: long start } history || now <= start)
            return new DebugStop(DebugStopKind.HistoryBegin, History?.Unavailable ?? "no more reverse-execution history");
        if (!toEvent)
        {
            ReplayTo(history, now - 1);
            return new DebugStop(DebugStopKind.Step, "stepped back one instruction");
        }
        // From the latest snapshot back, replay each stretch up to where the guest stood, noting every stop a
        // forward run would have made there; the last one noted in the latest stretch that has one is the answer.
        long end = now;
        while (history.AtOrBefore(end - 1) is { } snapshot)
        {
            Restore(snapshot);
            history.RestoredTo(snapshot);
            if (LastStopBefore(debugger, end) is { } last)
            {
                ReplayTo(history, last.At);
                if (last.Stop.Kind is DebugStopKind.Breakpoint or DebugStopKind.HardwareBreakpoint)
                    Cpu.PrepareNextInstruction(); // as forward: the pending interrupt is delivered before the check
                return last.Stop;
            }
            end = snapshot.Retired;
            if (end <= start)
                break;
        }
        ReplayTo(history, start);
        return new DebugStop(DebugStopKind.HistoryBegin, "no more reverse-execution history");
    }

    /// <summary>Puts the machine at instruction <paramref name="target"/>: back to the nearest snapshot at or before it,
    /// then forward, with the guest's output to the host held back (the host has seen it).</summary>
    private void ReplayTo(SnapshotHistory history, long target)
    {
        if (Cpu.Retired > target || history.AtOrBefore(target) is { } nearer && nearer.Retired > Cpu.Retired)
        {
            var snapshot = history.AtOrBefore(target)!;
            Restore(snapshot);
            history.RestoredTo(snapshot);
        }
        Replay(target, null);
    }

    private readonly record struct NotedStop(long At, DebugStop Stop);

    /// <summary>Runs to instruction <paramref name="end"/> noting every stop the debugger would make on the way; the
    /// last one before <paramref name="end"/>, or null.</summary>
    private NotedStop? LastStopBefore(MachineDebugger debugger, long end)
    {
        NotedStop? last = null;
        Replay(end, (at, stop) =>
        {
            if (at < end)
                last = new NotedStop(at, stop);
        }, debugger);
        return last;
    }

    /// <summary>Runs forward to instruction <paramref name="target"/> the way the run loop does (slices at timer
    /// deadlines, halts passed to the next one) with output to the host muted; with <paramref name="noted"/>, one
    /// instruction at a time, telling it where each breakpoint, watchpoint and break-exit stop would have been.</summary>
    private void Replay(long target, Action<long, DebugStop>? noted, MachineDebugger? debugger = null)
    {
        var (serial, console) = (Com1.Output, Platform.DebugConsole.Output);
        Com1.Output = null;
        Platform.DebugConsole.Output = null;
        try
        {
            while (Cpu.Retired < target)
            {
                long slice = _time.SliceLength(target - Cpu.Retired);
                _time.BeginSlice(slice);
                var stop = noted is null ? Cpu.Run(slice) : ReplayNoting(slice, noted, debugger!);
                _time.EndSlice(Layers);
                if (stop == StopReason.Halt && PassHalt(null, null, out _, out _))
                    continue;
                if (stop == StopReason.StopRequested)
                {
                    if (Debugger?.TakeStop() is { } missed && noted is not null)
                        noted(Cpu.Retired, missed);
                    continue;
                }
                if (stop != StopReason.InstructionLimit)
                    return; // the run ended on the way: the guest stays there
            }
        }
        finally
        {
            Com1.Output = serial;
            Platform.DebugConsole.Output = console;
        }
    }

    private StopReason ReplayNoting(long count, Action<long, DebugStop> noted, MachineDebugger debugger)
    {
        for (long i = 0; i < count; i++)
        {
            var ready = Cpu.PrepareNextInstruction();
            if (ready != StopReason.InstructionLimit)
                return ready;
            uint linear = MachineDebugger.LinearPc(Cpu);
            if (!Cpu.ResumingRepeat && debugger.Breakpoints.At(linear) is DebugStopKind kind)
                noted(Cpu.Retired, new DebugStop(kind, $"{(debugger.Breakpoints.IsMonitor(linear) ? "monitor " : "")}breakpoint at {Cpu.CS:X4}:{Cpu.IP:X4}"));
            var stop = Cpu.Run(1);
            if (debugger.TakeStop() is { } after)
                noted(Cpu.Retired, after);
            if (stop == StopReason.StopRequested)
                continue;
            if (stop != StopReason.InstructionLimit)
                return stop;
        }
        return StopReason.InstructionLimit;
    }
}
