using Emu.Cpu;
using Emu.Hypervisor.Debugging;
using Emu.Hypervisor.Tracing;

namespace Emu.Hypervisor;

/// <summary>Runs the CPU one instruction at a time, for the instruction trace and for a debugger with breakpoints set
/// or a step under way.</summary>
internal static class SteppedRun
{
    /// <summary>Runs up to <paramref name="count"/> instructions one at a time, each with its interrupt delivered
    /// first, so that a breakpoint check and the trace see the instruction that really runs next.</summary>
    public static StopReason Run(Processor cpu, long count, MachineDebugger? debugger, Tracer? tracer)
    {
        for (long i = 0; i < count; i++)
        {
            var ready = cpu.PrepareNextInstruction();
            if (ready != StopReason.InstructionLimit)
                return ready;
            if (debugger is not null && debugger.BreaksBefore(cpu))
                return StopReason.StopRequested;
            if (tracer is { TraceInstructions: true })
                tracer.Instruction(cpu);
            var stop = cpu.Run(1);
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
}
