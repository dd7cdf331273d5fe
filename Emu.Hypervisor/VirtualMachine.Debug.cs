using Emu.Cpu;
using Emu.Hypervisor.Debugging;

namespace Emu.Hypervisor;

// The run loop's side of debugging (Debugging/): instruction-by-instruction execution while breakpoints are set
// or a step is under way, the stops, and what the debugger's resume means for the run.
public sealed partial class VirtualMachine
{
    // With a debugger, slices end at least this often, so that gdb's Ctrl-C is seen within a millisecond or so.
    private const long DebugPollInstructions = 20_000;

    private StopReason RunDebugged(MachineDebugger debugger, long slice)
    {
        if (debugger.FrontEnd?.StopRequested() == true)
        {
            debugger.Stop(new DebugStop(DebugStopKind.Interrupted, "interrupted by the debugger"));
            return StopReason.StopRequested;
        }
        RecordHistory(debugger);
        slice = Math.Min(slice, DebugPollInstructions);
        if (debugger.WatchesEachInstruction || Tracer is { TraceInstructions: true })
            return RunInstructions(debugger.Stepping ? 1 : slice, debugger);
        return Cpu.Run(slice);
    }

    /// <summary>Runs up to <paramref name="count"/> instructions one at a time, each with its interrupt delivered
    /// first, so that a breakpoint check and the trace see the instruction that really runs next.</summary>
    private StopReason RunInstructions(long count, MachineDebugger? debugger)
    {
        for (long i = 0; i < count; i++)
        {
            var ready = Cpu.PrepareNextInstruction();
            if (ready != StopReason.InstructionLimit)
                return ready;
            if (debugger is not null && debugger.BreaksBefore(Cpu))
                return StopReason.StopRequested;
            if (Tracer is { TraceInstructions: true } tracer)
                tracer.Instruction(Cpu);
            var stop = Cpu.Run(1);
            if (stop != StopReason.InstructionLimit)
                return stop;
            if (debugger is { Stepping: true })
            {
                debugger.Stop(new DebugStop(DebugStopKind.Step, "stepped one instruction"));
                return StopReason.StopRequested;
            }
        }
        return StopReason.InstructionLimit;
    }

    /// <summary>Hands a stop to the debugger and does what it answers; the outcome when the run ends here.</summary>
    private RunOutcome? DebugStopped(MachineDebugger debugger, DebugStop stop, CancellationToken cancel)
    {
        debugger.Stepping = false;
        if (debugger.FrontEnd is not { } frontEnd)
            return Finish(RunEnd.Break, RunOutcome.BreakExitCode, $"stopped at {Cpu.CS:X4}:{Cpu.IP:X4} after {Cpu.Retired:N0} instructions: {stop.Description}");
        UpdateStatistics();
        RecordHistory(debugger);
        var resume = frontEnd.Stopped(stop, cancel);
        while (resume is DebugResume.ReverseStep or DebugResume.ReverseContinue && !cancel.IsCancellationRequested)
        {
            var back = Reverse(debugger, toEvent: resume == DebugResume.ReverseContinue);
            UpdateStatistics();
            resume = frontEnd.Stopped(back, cancel);
        }
        if (cancel.IsCancellationRequested) // Ctrl-C on emu itself while the guest waited for gdb
            return Finish(RunEnd.Cancelled, RunOutcome.CancelledExitCode, $"interrupted at {Cpu.CS:X4}:{Cpu.IP:X4} after {Cpu.Retired:N0} instructions, stopped in the debugger");
        switch (resume)
        {
            case DebugResume.Kill:
                return Finish(RunEnd.Cancelled, RunOutcome.CancelledExitCode, $"killed by the debugger at {Cpu.CS:X4}:{Cpu.IP:X4} after {Cpu.Retired:N0} instructions");
            case DebugResume.Step:
                debugger.Stepping = true;
                break;
        }
        debugger.Resumed(MachineDebugger.LinearPc(Cpu));
        return null;
    }
}
