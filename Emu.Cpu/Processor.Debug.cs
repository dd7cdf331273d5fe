namespace Emu.Cpu;

// What a debugger or an instruction trace needs to run the guest one instruction at a time and still see
// the instruction that really runs next.
public sealed partial class Processor
{
    // Set by PrepareNextInstruction: what ServiceAttention does before the next instruction is done already.
    private bool _attentionServiced;

    /// <summary>
    /// Does what is due before the next instruction without executing it: delivers a pending interrupt or the
    /// TF trap (so CS:IP is then the handler's first instruction), or notes HLT. Returns
    /// <see cref="StopReason.InstructionLimit"/> when the CPU is ready to execute the instruction at CS:IP with
    /// <c>Run(1)</c> (which then does not do it again), or why it cannot (a halt, a requested stop).
    /// </summary>
    public StopReason PrepareNextInstruction()
    {
        if (_attentionServiced)
            return StopReason.InstructionLimit; // prepared already, and nothing ran since
        bool wasRepeating = _repeatSuspended;
        _repeatSuspended = false;
        if (!_attention)
        {
            ResumingRepeat = wasRepeating;
            return StopReason.InstructionLimit;
        }
        long delivered = InterruptsDelivered;
        if (ServiceAttention())
        {
            _repeatSuspended = wasRepeating; // still to be resumed when the stop is over
            ResumingRepeat = false;
            return TakeStopReason();
        }
        _attentionServiced = true;
        _attention = true; // so that Run's loop reaches ServiceAttention, which clears the mark
        ResumingRepeat = wasRepeating && InterruptsDelivered == delivered;
        return StopReason.InstructionLimit;
    }

    /// <summary>After <see cref="PrepareNextInstruction"/>: the instruction at CS:IP is a REP string instruction
    /// continuing with its next iteration (a breakpoint on it was reported when it started).</summary>
    public bool ResumingRepeat { get; private set; }

    // Called first thing by ServiceAttention once a stop request is ruled out.
    private bool TakeServicedMark()
    {
        if (!_attentionServiced)
            return false;
        _attentionServiced = false;
        return true;
    }
}
