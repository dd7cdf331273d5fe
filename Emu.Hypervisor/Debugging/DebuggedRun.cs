using Emu.Cpu;
using Emu.Hypervisor.Tracing;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// The run loop's side of debugging: slices short enough for gdb's Ctrl-C, instruction by instruction while
/// breakpoints are set or a step is under way, the stops handed to the front end, and what its answer means for the
/// run (go on, step, go back with <see cref="ReverseExecution"/>, or end).
/// </summary>
internal sealed class DebuggedRun(MachineDebugger debugger, Processor cpu, ReverseExecution reverse, Action updateStatistics)
{
    // Slices end at least this often, so that gdb's Ctrl-C is seen within a millisecond or so.
    private const long DebugPollInstructions = 20_000;

    public MachineDebugger Debugger => debugger;

    /// <summary>Runs one slice of at most <paramref name="slice"/> instructions.</summary>
    public StopReason RunSlice(long slice, Tracer? tracer)
    {
        if (debugger.FrontEnd?.StopRequested() == true)
        {
            debugger.Stop(new DebugStop(DebugStopKind.Interrupted, "interrupted by the debugger"));
            return StopReason.StopRequested;
        }
        reverse.Record();
        slice = Math.Min(slice, DebugPollInstructions);
        if (debugger.WatchesEachInstruction || tracer is { TraceInstructions: true })
            return SteppedRun.Run(cpu, debugger.Stepping ? 1 : slice, debugger, tracer);
        return cpu.Run(slice);
    }

    /// <summary>Hands a stop to the debugger and does what it answers; the run's end when it ends here, else null.</summary>
    public RunOutcome? Stopped(DebugStop stop, CancellationToken cancel)
    {
        debugger.Stepping = false;
        if (debugger.FrontEnd is not { } frontEnd)
            return new(RunEnd.Break, RunOutcome.BreakExitCode, $"stopped at {cpu.CS:X4}:{cpu.IP:X4} after {cpu.Retired:N0} instructions: {stop.Description}");
        updateStatistics();
        reverse.Record();
        var resume = frontEnd.Stopped(stop, cancel);
        while (resume is DebugResume.ReverseStep or DebugResume.ReverseContinue && !cancel.IsCancellationRequested)
        {
            var back = reverse.Back(toEvent: resume == DebugResume.ReverseContinue);
            updateStatistics();
            resume = frontEnd.Stopped(back, cancel);
        }
        if (cancel.IsCancellationRequested) // Ctrl-C on emu itself while the guest waited for gdb
            return new(RunEnd.Cancelled, RunOutcome.CancelledExitCode, $"interrupted at {cpu.CS:X4}:{cpu.IP:X4} after {cpu.Retired:N0} instructions, stopped in the debugger");
        switch (resume)
        {
            case DebugResume.Kill:
                return new(RunEnd.Cancelled, RunOutcome.CancelledExitCode, $"killed by the debugger at {cpu.CS:X4}:{cpu.IP:X4} after {cpu.Retired:N0} instructions");
            case DebugResume.Step:
                debugger.Stepping = true;
                break;
        }
        debugger.Resumed(MachineDebugger.LinearPc(cpu));
        return null;
    }
}
