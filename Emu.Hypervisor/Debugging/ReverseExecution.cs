using Emu.Cpu;
using Emu.Hypervisor.Snapshots;
using Emu.Io.Platform;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// Reverse execution for the debugger (gdb's reverse-stepi and reverse-continue): the run is deterministic, so going
/// back is going forward again from an earlier snapshot (<see cref="SnapshotHistory"/>) and stopping one instruction,
/// or one event, before where the guest stood.
/// </summary>
internal sealed class ReverseExecution(
    MachineDebugger debugger, Processor cpu, VirtualTime time, HaltWait halt, PcPlatform platform, Snapshotter snapshots)
{
    /// <summary>The snapshots of the debugged run; null until the debugger's front end first stops the guest.</summary>
    private SnapshotHistory? _history;

    /// <summary>Takes a snapshot when one is due; only a debugger with a front end can ever go back.</summary>
    public void Record()
    {
        if (debugger.FrontEnd is null)
            return;
        _history ??= new SnapshotHistory(cpu, snapshots);
        _history.Record();
    }

    /// <summary>Goes back one instruction, or (<paramref name="toEvent"/>) to the last breakpoint, watchpoint or
    /// break-exit stop before the current one; at the start of the history, stops there and says so.</summary>
    public DebugStop Back(bool toEvent)
    {
        long now = cpu.Retired;
        if (_history is not { Start: long start } history || now <= start)
            return new DebugStop(DebugStopKind.HistoryBegin, _history?.Unavailable ?? "no more reverse-execution history");
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
            snapshots.Restore(snapshot);
            history.RestoredTo(snapshot);
            if (LastStopBefore(end) is { } last)
            {
                ReplayTo(history, last.At);
                if (last.Stop.Kind is DebugStopKind.Breakpoint or DebugStopKind.HardwareBreakpoint)
                    cpu.PrepareNextInstruction(); // as forward: the pending interrupt is delivered before the check
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
        if (cpu.Retired > target || history.AtOrBefore(target) is { } nearer && nearer.Retired > cpu.Retired)
        {
            var snapshot = history.AtOrBefore(target)!;
            snapshots.Restore(snapshot);
            history.RestoredTo(snapshot);
        }
        Replay(target, null);
    }

    private readonly record struct NotedStop(long At, DebugStop Stop);

    /// <summary>Runs to instruction <paramref name="end"/> noting every stop the debugger would make on the way; the
    /// last one before <paramref name="end"/>, or null.</summary>
    private NotedStop? LastStopBefore(long end)
    {
        NotedStop? last = null;
        Replay(end, (at, stop) =>
        {
            if (at < end)
                last = new NotedStop(at, stop);
        });
        return last;
    }

    /// <summary>Runs forward to instruction <paramref name="target"/> the way the run loop does (slices at timer
    /// deadlines, halts passed to the next one) with output to the host muted; with <paramref name="noted"/>, one
    /// instruction at a time, telling it where each breakpoint, watchpoint and break-exit stop would have been.</summary>
    private void Replay(long target, Action<long, DebugStop>? noted)
    {
        var (serial, console) = (platform.Com1.Output, platform.DebugConsole.Output);
        platform.Com1.Output = null;
        platform.DebugConsole.Output = null;
        try
        {
            while (cpu.Retired < target)
            {
                long slice = time.SliceLength(target - cpu.Retired);
                time.BeginSlice(slice);
                var stop = noted is null ? cpu.Run(slice) : ReplayNoting(slice, noted);
                time.EndSlice();
                if (stop == StopReason.Halt && halt.Pass(null, null) is null)
                    continue;
                if (stop == StopReason.StopRequested)
                {
                    if (debugger.TakeStop() is { } missed && noted is not null)
                        noted(cpu.Retired, missed);
                    continue;
                }
                if (stop != StopReason.InstructionLimit)
                    return; // the run ended on the way: the guest stays there
            }
        }
        finally
        {
            platform.Com1.Output = serial;
            platform.DebugConsole.Output = console;
        }
    }

    private StopReason ReplayNoting(long count, Action<long, DebugStop> noted)
    {
        for (long i = 0; i < count; i++)
        {
            var ready = cpu.PrepareNextInstruction();
            if (ready != StopReason.InstructionLimit)
                return ready;
            uint linear = MachineDebugger.LinearPc(cpu);
            if (!cpu.ResumingRepeat && debugger.Breakpoints.At(linear) is DebugStopKind kind)
                noted(cpu.Retired, new DebugStop(kind, $"{(debugger.Breakpoints.IsMonitor(linear) ? "monitor " : "")}breakpoint at {cpu.CS:X4}:{cpu.IP:X4}"));
            var stop = cpu.Run(1);
            if (debugger.TakeStop() is { } after)
                noted(cpu.Retired, after);
            if (stop == StopReason.StopRequested)
                continue;
            if (stop != StopReason.InstructionLimit)
                return stop;
        }
        return StopReason.InstructionLimit;
    }
}
