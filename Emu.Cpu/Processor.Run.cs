using System.Reflection;
using System.Runtime.CompilerServices;
using Emu.Cpu.Compilation;
using Emu.Cpu.Decoding;
using Emu.Memory;

namespace Emu.Cpu;

// The run loop, interrupt and exception delivery.
public sealed unsafe partial class Processor
{
    private bool _delivering;

    /// <summary>
    /// The one-time work of a process's first processor, done on the calling thread: Iced's decoder tables and the
    /// handler table built, the run loop JIT-compiled (it is [AggressiveOptimization], so never precompiled). A
    /// processor built meanwhile on another thread waits for the part in progress, which costs it no more than
    /// doing it. See MachineWarmUp (Emu.Hypervisor).
    /// </summary>
    public static void PrepareFirstUse()
    {
        Translator.PrepareTables();
        RuntimeHelpers.PrepareMethod(typeof(Processor).GetMethod(nameof(Loop), BindingFlags.NonPublic | BindingFlags.Instance)!.MethodHandle);
    }

    /// <summary>Told of every interrupt delivery (for traces); null costs one test per delivery.</summary>
    public IInterruptObserver? InterruptObserver { get; set; }

    /// <summary>Interrupts and exceptions delivered through the IVT since the CPU was created.</summary>
    public long InterruptsDelivered { get; private set; }

    /// <summary>Of <see cref="Retired"/>, the instructions that ran inside compiled blocks, and how many times a
    /// compiled block was entered (their ratio: how far compiled code runs before the run loop takes over).</summary>
    public long CompiledRetired { get; private set; }

    /// <inheritdoc cref="CompiledRetired"/>
    public long BlockEntries { get; private set; }

    /// <summary>The block engine's share of the run so far (see <see cref="Compilation.CompiledCode"/>).</summary>
    public CompiledCode Compiled => new(CompiledRetired, BlockEntries, _cache.Compiler.Compiled,
        _cache.Compiler.InlineInstructions + _cache.Compiler.HandlerInstructions, _cache.Compiler.HandlerInstructions);

    /// <summary>
    /// Executes instructions until <paramref name="maxInstructions"/> have retired, HLT leaves the CPU
    /// waiting with nothing to wake it, an exit handler asks for a stop, or the machine shuts down.
    /// Guest faults are delivered through the IVT here; nothing the guest does escapes as a host exception.
    /// </summary>
    public StopReason Run(long maxInstructions)
    {
        long end = maxInstructions >= long.MaxValue - Retired ? long.MaxValue : Retired + maxInstructions;
        while (true)
        {
            try
            {
                return Loop(end);
            }
            catch (CpuFault fault)
            {
                Retired++;
                RaiseException(fault.Vector);
                if (_stopRequested && _stopReason == StopReason.Shutdown)
                {
                    _stopRequested = false;
                    return StopReason.Shutdown;
                }
            }
        }
    }

    /// <summary>Executes exactly one instruction (a REP string instruction runs to completion), then any
    /// interrupt or trap it caused is delivered. Used by the conformance runner and single-stepping.</summary>
    public StopReason Step()
    {
        StopReason stop;
        do
        {
            _repeatSuspended = false;
            stop = Run(1);
        }
        while (_repeatSuspended && stop == StopReason.InstructionLimit && !_halted);
        return stop;
    }

    // The end of the current Run's budget, for instructions that repeat (REP string operations).
    private long _runEnd;
    private bool _repeatSuspended;

    /// <summary>True when a REP string instruction should stop between iterations: its next
    /// iteration would overrun the run's budget, or an enabled interrupt is waiting.</summary>
    internal bool ShouldSuspendRepeat() =>
        Retired + 1 >= _runEnd || (_interruptLine && (FlagState.ControlFlags() & IfFlag) != 0) || _stopRequested;

    /// <summary>How many more instructions the current Run may retire (a REP instruction's bulk path stays inside it).</summary>
    internal long RepeatBudget => _runEnd - Retired;

    /// <summary>True when something waits to be looked at before the next instruction (compiled blocks leave then).</summary>
    internal bool NeedsAttention => _attention;

    /// <summary>Changes whenever cached code is dropped (see <see cref="DecodeCache.Generation"/>).</summary>
    internal int CodeGeneration => _cache.Generation;

    /// <summary>How many starts make a block hot enough to compile to IL; 0: never (tests compare the two).</summary>
    internal int CompileThreshold
    {
        get => _cache.Compiler.Threshold;
        set => _cache.Compiler.Threshold = value;
    }

    /// <summary>Instructions compiled so far as inline operations, and as calls of their handler.</summary>
    internal (long Inline, long Handler) CompiledInstructions => (_cache.Compiler.InlineInstructions, _cache.Compiler.HandlerInstructions);

    /// <summary>Leaves IP on the repeating instruction so it resumes where it stopped.</summary>
    internal void SuspendRepeat()
    {
        Eip = InstructionIp;
        _repeatSuspended = true;
    }

    // Fully optimised from the first call: Run is entered rarely (once per benchmark run, once per
    // time slice in the hypervisor), so tiering would leave the hot loop in its on-stack-replacement
    // variant, which keeps locals in stack slots.
    //
    // The block engine. Straight-line code sits in consecutive pool slots (DecodedOp.Fallthrough, set by
    // the decode cache), so once the first instruction of a block is found, the next one is the next
    // slot: no address computation, no lookup, no successor link on the critical path. The loop leaves a
    // block, and finds the next one through the successor link or the address map (chaining), when
    // - control did not fall through: IP is not the next instruction's (a branch taken, an interrupt
    //   delivered, a REP instruction suspended, IP wrapped at 64 KiB, a far transfer); a new CS with IP the next
    //   instruction's raises _attention (JumpFar);
    // - _attention is raised: an interrupt request, TF, a shadow (STI, MOV SS), HLT, a stop, a new CS;
    //   ServiceAttention then runs before the next instruction exactly as between any two instructions;
    // - the budget is spent (Retired is exact after every instruction: --max-instructions, Step);
    // - the entry has no fallthrough: the block ends there, or a store dropped this entry or the next
    //   one (self-modifying code: the decode cache clears the flag, so the next instruction is decoded
    //   again from memory even when the store came from inside the block that is running).
    // A fault thrown by a handler leaves with InstructionCs:IP naming the faulting instruction.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private StopReason Loop(long runEnd)
    {
        _runEnd = runEnd;
        // Few locals on purpose: they must all stay in callee-saved registers across the handler call.
        DecodedOp[] pool = _cache.Pool;
        // The slot of the instruction that just ran. Its successor link usually names the next
        // instruction, which spares the address-map lookup. Slot 0 never matches.
        int previous = 0;
        while (Retired < _runEnd)
        {
            if (_attention && ServiceAttention())
                return TakeStopReason();

            uint ip = Eip;
            InstructionCs = _codeSelector;
            uint linear = _codeBase + ip;
            int slot = pool[previous].Next;
            if (pool[slot].Address != (linear & Memory.AddressMask))
            {
                slot = _cache.Find(linear & Memory.AddressMask, ip);
                // A miss may have flushed the pool and reused the previous slot: the link is then
                // merely useless, never wrong, because it is checked against the address before use.
                pool[previous].Next = slot;
            }
            ref DecodedOp op = ref pool[slot];
            // A hot block runs compiled (Compilation/BlockCompiler.cs) when it may; it says which slot ran last.
            if (op.Block == 0 && ++op.Entries == _cache.Compiler.Threshold)
                _cache.Compiler.Compile(this, slot, ip);
            if (op.Block != 0)
            {
                if (!_attention && linear < GuestMemory.OneMiB)
                {
                    long before = Retired;
                    int last = _cache.Compiler.Run(this, op.Block, ip);
                    if (last != 0)
                    {
                        BlockEntries++;
                        CompiledRetired += Retired - before;
                        previous = last;
                        continue;
                    }
                }
            }
            // Code reached through a linear address past 1 MiB runs one instruction at a time: where its
            // next instruction is depends on the A20 gate, which the instruction may switch. Below 1 MiB a
            // block's linear and physical addresses are the same (blocks never cross 1 MiB).
            long end = linear < GuestMemory.OneMiB ? _runEnd : Retired + 1;
            while (true)
            {
                InstructionIp = (ushort)ip;
                uint next = ip + op.Length;
                Eip = next & 0xFFFF;
                op.Execute(this, ref op);
                Retired++;
                if (!op.Fallthrough || _attention || Eip != next || Retired >= end)
                {
                    // Chaining without the dispatcher: a branch taken, a CALL, RET, INT or IRET, or the end of a
                    // block goes on at once in the block its successor link names when that is where CS:IP now
                    // points (under CS as it now is) and stays below 1 MiB. A block that is
                    // compiled, or that this start makes hot, is left to the dispatcher, which runs or compiles it;
                    // the others are counted here as it counts them.
                    if (_attention || Retired >= end)
                        break;
                    ip = Eip;
                    linear = _codeBase + ip;
                    ref DecodedOp successor = ref pool[op.Next];
                    if (successor.Address != linear || linear >= GuestMemory.OneMiB
                        || successor.Block != 0 || successor.Entries + 1 == _cache.Compiler.Threshold)
                        break;
                    successor.Entries++;
                    // A far transfer may have moved CS on (without attention: see JumpFar).
                    InstructionCs = _codeSelector;
                    op = ref successor;
                    continue;
                }
                op = ref Unsafe.Add(ref op, 1);
                ip = next;
            }
            previous = (int)(Unsafe.ByteOffset(ref pool[0], ref op) / Unsafe.SizeOf<DecodedOp>());
        }
        // Let a trap or stop raised by the last instruction be seen before returning.
        if (_attention && _stopRequested)
            return TakeStopReason();
        return StopReason.InstructionLimit;
    }

    private StopReason TakeStopReason()
    {
        _stopRequested = false;
        StopReason reason = _stopReason;
        _stopReason = StopReason.StopRequested;
        return reason;
    }

    // Runs before an instruction when _attention is set. Returns true when Run must return.
    private bool ServiceAttention()
    {
        if (_stopRequested)
            return true;
        if (TakeServicedMark()) // PrepareNextInstruction did the rest already (Processor.Debug.cs)
            return false;

        if (_notified)
        {
            _notified = false;
            Notification?.Invoke();
        }
        bool shadow = _shadow;
        _shadow = false;
        if (_trapPending)
        {
            _trapPending = false;
            if (!shadow)
                DeliverInterrupt(1, InterruptKind.Trap);
        }
        if (_interruptLine && !shadow && (FlagState.ControlFlags() & Processor.IfFlag) != 0)
        {
            int vector = InterruptController?.Acknowledge() ?? -1;
            if (vector >= 0)
            {
                _halted = false;
                DeliverInterrupt((byte)vector, InterruptKind.External);
            }
        }
        if (_halted)
        {
            _stopReason = StopReason.Halt;
            return true;
        }
        if (_stopRequested)
            return true;

        // IF and TF only: a pending lazy record (LazyFlags.cs) is left pending.
        uint flags = FlagState.ControlFlags();
        _trapPending = (flags & Processor.TfFlag) != 0;
        // A request held off by IF = 0 needs no look before every instruction: IF can only be set again
        // by STI (which opens a shadow), POPF or IRET (WriteFlags, which raises _attention when it sets IF while
        // a request waits).
        // Keeping it raised here made every instruction of a CLI'd guest pay this method and a flags
        // materialisation while the PIT's IRQ 0 waited (half speed after the firmware's POST).
        _attention = _trapPending || _shadow || (_interruptLine && (flags & Processor.IfFlag) != 0);
        // A notification from another thread between the test above and the store just made must not be lost: look
        // again after a full fence (only on a machine that takes notifications, so no other pays for the fence).
        if (Notification is not null && !_attention)
        {
            Interlocked.MemoryBarrier();
            _attention = _notified;
        }
        return false;
    }

    private const uint IfFlag = CpuFlags.IF;
    private const uint TfFlag = CpuFlags.TF;

    /// <summary>
    /// Delivers an exception raised by the instruction now executing. Faults restart the instruction
    /// (the pushed IP is its own); on the 8086 and 186 a divide error pushes the next instruction's IP.
    /// </summary>
    internal void RaiseException(byte vector)
    {
        _trapPending = false;
        bool pushNext = vector == 0 && Model <= CpuModel.I186;
        if (!pushNext)
        {
            Eip = InstructionIp;
            if (Sregs[Seg.CS] != InstructionCs)
                LoadSegment(Seg.CS, InstructionCs);
        }
        DeliverInterrupt(vector, InterruptKind.Exception);
    }

    /// <summary>INT n, INT3, INTO: the pushed IP is that of the next instruction.</summary>
    internal void SoftwareInterrupt(byte vector) => DeliverInterrupt(vector, InterruptKind.Software);

    /// <summary>Real-mode interrupt entry: push FLAGS, CS, IP; clear IF and TF; load CS:IP from the IVT.</summary>
    internal void DeliverInterrupt(byte vector, InterruptKind kind)
    {
        long target = EnterInterrupt(vector, kind);
        if (target >= 0)
            JumpFar((uint)target >> 16, (uint)target);
    }

    /// <summary>All of an interrupt's entry but loading CS:IP: pushes FLAGS, CS, IP, clears IF and TF, and returns
    /// the IVT entry as CS &lt;&lt; 16 | IP, or -1 when the CPU shut down instead. Compiled blocks call it for INT
    /// n and go on inline when the entry is the one they were compiled with.</summary>
    internal long EnterInterrupt(byte vector, InterruptKind kind)
    {
        InterruptObserver?.InterruptDelivered(this, vector, kind);
        uint entry = vector * 4u;
        if (entry + 3 > IdtLimit)
        {
            Shutdown(new CpuStop(StopCause.VectorBeyondLimit, Value: IdtLimit, Vector: vector));
            return -1;
        }
        if (_delivering)
        {
            Shutdown(new CpuStop(StopCause.FaultWhileDelivering, Vector: vector));
            return -1;
        }
        // With SP at 6 or above the three pushes stay inside the segment, and with SP even none lands on offset
        // FFFF (SP = 0, the top of a full 64 KiB stack, is the common case): none can fault, no handler needed
        // (a try/catch here would keep the whole method's state on the stack, and INT n takes this path).
        uint sp = Regs[Reg.SP] & 0xFFFF;
        if (sp >= 6 || (sp & 1) == 0)
        {
            Push16(FlagsValue);
            Push16(Sregs[Seg.CS]);
            Push16(Eip);
        }
        else if (!PushFrameAtSegmentEdge(vector))
            return -1;
        InterruptsDelivered++;
        // No _attention of its own: IF and TF are now clear, so only what raised it already (a trap pending
        // from TF set before this instruction, a stop) is due before the handler's first instruction. A block
        // ends at the delivery all the same, because IP moved (unless it was compiled to go on there).
        FlagsValue &= ~(IfFlag | TfFlag);
        return (long)Memory.Read16(IdtBase + entry + 2) << 16 | Memory.Read16(IdtBase + entry);
    }

    // The interrupt frame where a push may wrap or overrun the segment: a fault while pushing it shuts the CPU down.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool PushFrameAtSegmentEdge(byte vector)
    {
        _delivering = true;
        try
        {
            Push16(FlagsValue);
            Push16(Sregs[Seg.CS]);
            Push16(Eip);
            return true;
        }
        catch (CpuFault fault)
        {
            Shutdown(new CpuStop(StopCause.FaultPushingFrame, Vector: vector, Fault: fault.Vector));
            return false;
        }
        finally
        {
            _delivering = false;
        }
    }

    /// <summary>
    /// INT n as <see cref="EnterInterrupt"/> delivers it, for a compiled block that keeps SP and FLAGS in locals
    /// (<paramref name="sp"/>, <paramref name="flags"/>), done only when it is plain: no trace, the IVT entry readable
    /// and equal to <paramref name="expected"/> (CS &lt;&lt; 16 | IP, the one the block was compiled to go on at), the
    /// frame's six bytes plain RAM with no code, apart from the entry. Otherwise false with nothing changed: the
    /// caller delivers it through EnterInterrupt.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool EnterInterruptPlain(ref uint sp, ref LazyFlags flags, uint vector, uint next, uint expected)
    {
        uint entry = IdtBase + vector * 4u;
        // SP 1-5 would wrap the frame around the segment (SP 0 puts it at its top, FFFA-FFFF).
        uint sp16 = sp & 0xFFFF, top = (sp16 - 6) & 0xFFFF;
        if (InterruptObserver is not null || vector * 4u + 3 > IdtLimit || sp16 is > 0 and < 6)
            return false;
        PlainAccess plain = Memory.Plain;
        uint frame = SegBase[Seg.SS] + top;
        if (!plain.CanRead(entry, 4) || !plain.CanWrite(frame, 6))
            return false;
        byte* e = plain.At(entry), f = plain.At(frame);
        if (Unsafe.ReadUnaligned<uint>(e) != expected || (f < e + 4 && e < f + 6))
            return false;
        uint value = flags.Value;
        Unsafe.WriteUnaligned(f, (ushort)next);
        Unsafe.WriteUnaligned(f + 2, Sregs[Seg.CS]);
        Unsafe.WriteUnaligned(f + 4, (ushort)value);
        flags.Value = value & ~(IfFlag | TfFlag);
        sp = (sp & 0xFFFF_0000) | top;
        InterruptsDelivered++;
        return true;
    }

    /// <summary>
    /// IRET (16-bit) as <see cref="Execution.Specialized.IretR16"/> does it, for a compiled block that keeps SP and
    /// FLAGS in locals, done only when it is plain: the frame's six bytes readable, its CS:IP equal to
    /// <paramref name="expected"/>, and the FLAGS it pops needing no look from the run loop (TF clear, and IF clear or
    /// no request waiting). Otherwise false with nothing changed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IretPlain(ref uint sp, ref LazyFlags flags, uint expected)
    {
        uint top = sp & 0xFFFF;
        PlainAccess plain = Memory.Plain;
        uint frame = SegBase[Seg.SS] + top;
        if (top > 0xFFFA || !plain.CanRead(frame, 6))
            return false;
        byte* f = plain.At(frame);
        if (Unsafe.ReadUnaligned<uint>(f) != expected)
            return false;
        uint value = WrittenFlags(ref flags, Unsafe.ReadUnaligned<ushort>(f + 4), 0xFFFF);
        if (NeedsLook(value))
            return false;
        flags.Value = value;
        sp = (sp & 0xFFFF_0000) | ((top + 6) & 0xFFFF);
        return true;
    }

    /// <summary>
    /// A far CALL's pushes (CS, then the return IP <paramref name="next"/>) for a compiled block that keeps SP in a
    /// local, done only when they are plain: the four bytes inside the stack segment (SP 1-3 would wrap them), RAM
    /// with no code. Otherwise false with nothing changed: the caller pushes through the processor, which may fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool CallFarPlain(ref uint sp, uint next)
    {
        uint sp16 = sp & 0xFFFF, top = (sp16 - 4) & 0xFFFF;
        PlainAccess plain = Memory.Plain;
        uint frame = SegBase[Seg.SS] + top;
        if (sp16 is > 0 and < 4 || !plain.CanWrite(frame, 4))
            return false;
        byte* f = plain.At(frame);
        Unsafe.WriteUnaligned(f, (ushort)next);
        Unsafe.WriteUnaligned(f + 2, Sregs[Seg.CS]);
        sp = (sp & 0xFFFF_0000) | top;
        return true;
    }

    /// <summary>
    /// RETF [imm16] as <see cref="Execution.Specialized.RetfR16"/> does it, for a compiled block that keeps SP in a
    /// local, done only when it is plain: the four bytes readable inside the stack segment and holding
    /// <paramref name="expected"/> (CS &lt;&lt; 16 | IP, the return point the block goes on at). Otherwise false with
    /// nothing changed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool RetfPlain(ref uint sp, uint release, uint expected)
    {
        uint top = sp & 0xFFFF;
        PlainAccess plain = Memory.Plain;
        uint frame = SegBase[Seg.SS] + top;
        if (top > 0xFFFC || !plain.CanRead(frame, 4) || Unsafe.ReadUnaligned<uint>(plain.At(frame)) != expected)
            return false;
        sp = (sp & 0xFFFF_0000) | ((top + 4 + release) & 0xFFFF);
        return true;
    }

    /// <summary>A machine reset requested by a device (port 92h, the 8042): the run ends as on a shutdown.</summary>
    public void StopForReset(string source) => Shutdown(new CpuStop(StopCause.GuestReset, Source: source));

    internal void Shutdown(CpuStop stop)
    {
        _halted = false;
        StopWith(StopReason.Shutdown, stop);
    }

    /// <summary>#DE: the 8086/186 push the address after DIV, later models restart it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void DivideError() => RaiseException(0);
}
