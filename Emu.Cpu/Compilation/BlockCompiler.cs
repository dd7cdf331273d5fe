using Emu.Cpu.Decoding;
using Emu.Cpu.Execution;
using Emu.Memory;

namespace Emu.Cpu.Compilation;

/// <summary>
/// Compiles hot blocks of the decode cache to IL (<see cref="DynamicMethod"/>): one method per block that
/// runs its instructions in a row, without the run loop between them.
/// </summary>
/// <remarks>
/// A block is the run of pool slots the threaded run loop would go through (<see cref="DecodedOp.Fallthrough"/>),
/// compiled once it has been started <see cref="Threshold"/> times. It goes on through control transfers whose
/// destination is known, or checked where it runs (see <see cref="Transfer"/>): a loop that calls a routine, or
/// raises an INT whose handler IRETs, is one block, in up to as many code segments as it reaches. It is a region:
/// it goes down both sides of a conditional branch (Jcc, LOOP/LOOPcc, JCXZ) whose taken side is cached, when that is
/// forward, or a step of the block already (an inner loop, two sides that meet); each side is a path of steps of its
/// own (<see cref="Step"/>: the step each goes on at), with the CALLs and INTs to return from of the branch it came
/// from. The common forms (the specialised MOV, ALU,
/// INC/DEC, PUSH/POP, Jcc, LOOP and JMP) become calls of their operations over plain operands
/// (<see cref="Specialized"/>), with registers, immediates, displacements and targets as constants, which the
/// JIT inlines and folds; every other instruction calls its handler as the run loop does. It keeps the run
/// loop's guarantees, at the same instruction boundaries:
/// <list type="bullet">
/// <item>It runs only when its longest way out (not counting loops) fits in the budget, nothing waits for attention, CS:IP is where
/// it was compiled (the same physical code reached through another segment runs interpreted) and, when any
/// entry of the cache was dropped since it last ran, its own entries are all still there.</item>
/// <item>Register-only instructions cannot fault, exit or raise attention, and neither can a memory access that is
/// plain (<see cref="Emu.Memory.PlainAccess"/>: RAM or ROM for a read, RAM holding no cached code for a write, inside
/// the segment and one page): between them <c>Retired</c> and IP are kept as constants and written once. Before a
/// handler call or a memory access that is not plain (an MMIO or watched page, a store into code or ROM, a segment
/// edge), both are written as the run loop writes them (a fault then names that instruction, an exit sees the
/// exact count); after it, the block leaves when attention was raised (an exit's interrupt, a stop, a
/// watchpoint), IP is not the next one's, or any cached code was dropped (a store into code: the next
/// instruction is decoded again from memory, also when it is in this very block). Attention raised from another
/// thread is seen at the block's end or where it goes back.</item>
/// <item>Each path counts its own instructions: <c>Retired</c> and IP are exact wherever it leaves, on either side of
/// a branch. Going back to a step already in the block (its start, an inner loop's, where two sides meet) is done
/// inside the method while the budget holds that step's longest way out and nothing needs attention; otherwise it
/// leaves with IP that step's. A branch whose taken side is not in the block leaves with IP set, and the run loop
/// finds what follows.</item>
/// <item>A transfer it goes on through does all its work as the interpreter's handler does, through the same
/// operations (Execution/Specialized.cs, <see cref="Processor.EnterInterrupt"/>), and is a memory instruction as
/// above; a return goes on inline only when the CS:IP it popped is the return point of the CALL or INT earlier in
/// the block, an INT only when its IVT entry is the one seen at compile time, an IRET only when nothing needs
/// attention after FLAGS changed, a JMP or CALL through a register or memory (near m16, far m16:16) only when the
/// target it reads, a memory operand only on the plain path, is the one it read when the block was compiled. Far
/// CALL, RETF, INT and IRET move their frames on the plain path when they can (Processor.CallFarPlain and the like).
/// Otherwise it leaves with CS:IP where the instruction put them.</item>
/// </list>
/// </remarks>
internal sealed unsafe class BlockCompiler(DecodeCache cache)
{
    private const int MaxBlocks = 4096;
    // Long enough for any loop body worth compiling; a longer run of code is compiled as several blocks.
    private const int MaxInstructions = 64;
    // Shorter blocks stay threaded, unless they go back to a step of their own (a loop runs inside the method).
    private const int MinInstructions = 4;

    private sealed class Block(Func<int> code, uint startIp, int[] slots, int longest, int generation, uint address, long compiledAt)
    {
        public readonly Func<int> Code = code;
        public readonly uint StartIp = startIp;
        // The physical address of its first instruction, and the processor's Retired count when it was compiled.
        public readonly uint Address = address;
        public readonly long CompiledAt = compiledAt;
        public readonly int[] Slots = slots;
        // The instructions on its longest way from the start to an exit, not counting a loop (which checks again).
        public readonly int Longest = longest;
        public int Generation = generation;
    }

    /// <summary>One instruction of a block: its pool slot, the CS:IP it runs at, and the steps it goes on at (-1: out
    /// of the block): <paramref name="Next"/> after it falls through or follows its transfer, <paramref name="Taken"/>
    /// when it is a conditional branch that is taken.</summary>
    /// <remarks>A class, as the compiler's other records are: a list of a value type of emu's is a generic
    /// instantiation ReadyToRun cannot precompile (CoreLib is outside emu's version bubble), and the first compile of a
    /// process JIT-compiled about 30 methods of <c>List&lt;Step&gt;</c> and LINQ over it.</remarks>
    internal sealed record Step(int Slot, ushort Cs, ushort Ip, int Next = -1, int Taken = -1);

    // The CALLs, far CALLs and INTs a path of a block went through and has not returned from, innermost first.
    private sealed record Frame(Transfer Kind, ushort Cs, ushort Ip, Frame? Outer);

    // A conditional branch's taken side, to be formed after the paths before it: the branch's step and its target.
    private sealed record Fork(int From, ushort Ip);

    /// <summary>The control transfers a block goes on through: JMP rel16 and near CALL rel16 to their target, RET
    /// [imm16] to the CALL's return point, far CALL ptr16:16 to its target and RETF to its return point, INT n (INT3,
    /// INT1) to the handler its IVT entry named at compile time and IRET to the INT's return point; near JMP and CALL
    /// through a 16-bit register or memory word, far JMP and CALL through an m16:16 pointer, to the target they would
    /// take when the block was compiled (see <see cref="Predict"/>).</summary>
    internal enum Transfer { None, Jump, Call, Ret, CallFar, Retf, Int, Iret, JumpIndirect, CallIndirect, JumpFarIndirect, CallFarIndirect }

    private readonly Block?[] _blocks = new Block?[MaxBlocks + 1];
    private int _used = 1;

    /// <summary>How many starts make a block hot enough to compile; 0 compiles nothing.</summary>
    public int Threshold = 200;

    /// <summary>Blocks compiled and not dropped since the last flush.</summary>
    public int Count => _used - 1;

    /// <summary>Instructions compiled so far as inline operations, and as calls of their handler.</summary>
    public long InlineInstructions, HandlerInstructions;

    /// <summary>Blocks compiled so far.</summary>
    public long Compiled;

    /// <summary>Runs compiled block <paramref name="index"/> from CS:IP = <paramref name="ip"/> if it may (see the
    /// remarks); returns the slot of the last instruction it ran, or 0 when it did not run.</summary>
    public int Run(Processor cpu, int index, uint ip)
    {
        Block b = _blocks[index]!;
        if (b.StartIp != ip || cpu.RepeatBudget < b.Longest)
            return 0;
        if (b.Generation != cache.Generation)
        {
            if (!Intact(b))
            {
                Drop(index);
                BackOff(cpu, b);
                return 0;
            }
            b.Generation = cache.Generation;
        }
        return b.Code();
    }

    // Entries are dropped, never changed in place, and slots are reused only after a flush (which drops every
    // block): a block whose entries are all live runs the code it was compiled from (a dropped entry also unlinks
    // the one before it, so live entries that followed each other in memory still do).
    private bool Intact(Block b)
    {
        DecodedOp[] pool = cache.Pool;
        foreach (int slot in b.Slots)
        {
            if (pool[slot].Address == DecodeCache.Dropped)
                return false;
        }
        return true;
    }

    private void Drop(int index)
    {
        Block b = _blocks[index]!;
        ref DecodedOp first = ref cache.Pool[b.Slots[0]];
        if (first.Block == index)
        {
            first.Block = 0;
            first.Entries = 0;
        }
        _blocks[index] = null;
    }

    // A block dropped because its code changed soon after it was compiled (self-modifying code that patches itself
    // on every pass) is compiled again only after twice as many starts as the last time: it would otherwise be
    // compiled, and JIT-compiled (about a millisecond), again every Threshold passes. Kept by the physical address of
    // its first instruction, which outlives the pool's slots: after a flush the instruction is decoded into another
    // slot, which waits as long before its first compile (Compile). A block that lived for LongLived instructions or
    // more was code replaced for good (a program loaded over another): its address starts afresh.
    private const long LongLived = 10_000_000;
    private const int MaxBackOff = 20;

    private sealed class Rewritten
    {
        public int Times;
        // The slot that waits (or waited) Threshold << Times starts before its compile, and the Clear it was in (a
        // flush reuses the slots).
        public int Slot;
        public long Clears;
    }

    // Made at the first block dropped for changed code: most guests never have one.
    private Dictionary<uint, Rewritten>? _rewritten;

    private void BackOff(Processor cpu, Block b)
    {
        _rewritten ??= [];
        if (!_rewritten.TryGetValue(b.Address, out Rewritten? rewritten))
            _rewritten[b.Address] = rewritten = new Rewritten();
        rewritten.Times = cpu.Retired - b.CompiledAt < LongLived ? Math.Min(rewritten.Times + 1, MaxBackOff) : 0;
        Wait(b.Slots[0], rewritten);
    }

    private void Wait(int slot, Rewritten rewritten)
    {
        rewritten.Slot = slot;
        rewritten.Clears = _clears;
        ref DecodedOp first = ref cache.Pool[slot];
        if (first.Block == 0)
            first.Entries = Threshold - (Threshold << rewritten.Times);
    }

    // Clears so far.
    private long _clears;

    /// <summary>Drops every compiled block (the cache was flushed, or the table is full).</summary>
    public void Clear()
    {
        _clears++;
        for (int i = 1; i < _used; i++)
        {
            if (_blocks[i] is not null)
                Drop(i);
        }
        _used = 1;
    }

    /// <summary>Compiles the block that starts at pool slot <paramref name="first"/>, at CS:IP = CS:<paramref name="ip"/>.</summary>
    public void Compile(Processor cpu, int first, uint ip)
    {
        if (Threshold == 0 || first == 0)
            return;
        DecodedOp[] pool = cache.Pool;
        // Code that rewrote itself under its last block, now decoded into another slot (after a flush): it waits too.
        if (_rewritten is not null && _rewritten.TryGetValue(pool[first].Address, out Rewritten? rewritten) && rewritten.Times > 0
            && (rewritten.Slot != first || rewritten.Clears != _clears))
        {
            Wait(first, rewritten);
            return;
        }
        List<Step> steps = Form(cpu, first, cpu.CS, ip);
        if (steps.Count < MinInstructions && !Loops(steps))
        {
            // Too short to gain (entering compiled code costs more than the run loop spends on a few
            // instructions), or not a block yet (its next instruction was never decoded after it): look again later.
            pool[first].Entries = 0;
            return;
        }
        if (_used > MaxBlocks)
            Clear();
        int index = _used++;
        int[] slots = new int[steps.Count];
        for (int i = 0; i < slots.Length; i++)
            slots[i] = steps[i].Slot;
        int[] longest = Longest(steps);
        Compiled++;
        _blocks[index] = new Block(BlockEmitter.Emit(this, cpu, pool, steps, longest), ip, slots, longest[0], cache.Generation,
            pool[first].Address, cpu.Retired);
        pool[first].Block = index;
    }

    // The instructions in the order they are written, from the first: a path goes on to the next instruction in memory
    // (the next slot, or the slot cached at its address), and on through a transfer to where it goes when that is
    // cached (below 1 MiB, where linear and physical addresses agree) or, for a return, when the CALL or INT it returns
    // from is on the path. It stops where the run loop would always leave (IP wraps at 64 KiB, a transfer it does not
    // follow), where what comes next was never decoded, where it reaches a step of the block again with the same CALLs
    // and INTs to return from (it goes on there: a loop, or two paths that meet), and when the block has
    // MaxInstructions. The taken side of a conditional branch
    // is a path of its own, formed after those before it, when its target is cached and forward (or a step of the
    // block again); it starts with the CALLs and INTs of the branch.
    private List<Step> Form(Processor cpu, int first, ushort startCs, uint startIp)
    {
        var steps = new List<Step>();
        var frames = new List<Frame?>();
        var forks = new Queue<Fork>();
        FormPath(cpu, first, startCs, startIp, null, steps, frames, forks);
        while (forks.TryDequeue(out var fork))
        {
            (ushort cs, ushort from) = (steps[fork.From].Cs, steps[fork.From].Ip);
            int to = StepAt(steps, frames, cs, fork.Ip, frames[fork.From]);
            if (to < 0 && fork.Ip > from && steps.Count < MaxInstructions && CachedAt(cs, fork.Ip) is int slot and > 0)
                to = FormPath(cpu, slot, cs, fork.Ip, frames[fork.From], steps, frames, forks);
            steps[fork.From] = steps[fork.From] with { Taken = to };
        }
        return steps;
    }

    // Adds the path that starts at `slot` (CS:IP = cs:ip) with the returns `returns`; answers the index of its first step.
    private int FormPath(Processor cpu, int slot, ushort cs, uint ip, Frame? returns, List<Step> steps, List<Frame?> frames, Queue<Fork> forks)
    {
        DecodedOp[] pool = cache.Pool;
        int start = steps.Count;
        while (true)
        {
            int index = steps.Count;
            steps.Add(new Step(slot, cs, (ushort)ip));
            frames.Add(returns);
            ref DecodedOp op = ref pool[slot];
            uint next = ip + op.Length;
            uint? branch = BranchTarget(ref op, next);
            if (branch is uint taken)
                forks.Enqueue(new Fork(index, (ushort)taken));
            (ushort Cs, uint Ip) to;
            switch (KindOf(ref op))
            {
                case Transfer.Jump:
                    to = (cs, (next + op.Imm) & 0xFFFF);
                    break;
                case Transfer.Call:
                    returns = new Frame(Transfer.Call, cs, (ushort)next, returns);
                    to = (cs, (next + op.Imm) & 0xFFFF);
                    break;
                case Transfer.CallFar:
                    returns = new Frame(Transfer.CallFar, cs, (ushort)next, returns);
                    to = ((ushort)op.Imm2, op.Imm & 0xFFFF);
                    break;
                case Transfer.JumpIndirect or Transfer.CallIndirect or Transfer.JumpFarIndirect or Transfer.CallFarIndirect:
                    Transfer kind = KindOf(ref op);
                    bool far = kind is Transfer.JumpFarIndirect or Transfer.CallFarIndirect;
                    if (Predict(cpu, ref op, cs, far) is not uint guess)
                        return start;
                    if (kind is Transfer.CallIndirect or Transfer.CallFarIndirect)
                        returns = new Frame(far ? Transfer.CallFar : Transfer.Call, cs, (ushort)next, returns);
                    to = far ? ((ushort)(guess >> 16), guess & 0xFFFF) : (cs, guess);
                    break;
                case Transfer.Int:
                    uint entry = VectorOf(ref op) * 4u;
                    if (entry + 3 > cpu.IdtLimit)
                        return start;
                    returns = new Frame(Transfer.Int, cs, (ushort)next, returns);
                    to = (PeekWord(cpu, cpu.IdtBase + entry + 2), PeekWord(cpu, cpu.IdtBase + entry));
                    break;
                case Transfer.Ret or Transfer.Retf or Transfer.Iret:
                    // A near return pops an IP of this CS: it matches a near CALL made in this CS only. IRET matches an
                    // INT, or a far CALL (after PUSHF: an interrupt simulated in software); either way the compiled
                    // code checks the CS:IP it pops.
                    bool matches = returns is not null && (KindOf(ref op), returns.Kind) switch
                    {
                        (Transfer.Ret, Transfer.Call) => returns.Cs == cs,
                        (Transfer.Retf, Transfer.CallFar) or (Transfer.Iret, Transfer.Int or Transfer.CallFar) => true,
                        _ => false,
                    };
                    if (!matches)
                        return start;
                    to = (returns!.Cs, returns.Ip);
                    returns = returns.Outer;
                    break;
                default:
                    // The next instruction in memory, which is the next slot in the pool when the two were decoded
                    // in a row; otherwise it is found by its address: after a conditional branch that was taken when
                    // it was decoded, and where the next instruction was decoded first (the target of a jump, the
                    // return point of a CALL). An instruction that does not fall through (a far JMP, HLT) is a
                    // handler call after which the block leaves when IP is not the next one's.
                    if (next >= 0x1_0000)
                        return start;
                    to = (cs, next);
                    break;
            }
            int again = StepAt(steps, frames, to.Cs, to.Ip, returns);
            int target = again >= 0 || steps.Count == MaxInstructions ? 0
                : KindOf(ref op) == Transfer.None && op.Fallthrough ? slot + 1
                : CachedAt(to.Cs, to.Ip);
            if (again < 0 && target == 0)
                return start;
            steps[index] = steps[index] with { Next = again >= 0 ? again : steps.Count };
            if (again >= 0)
                return start;
            slot = target;
            cs = to.Cs;
            ip = to.Ip;
        }
    }

    // The step at CS:IP with the same returns to go on through, or -1.
    private static int StepAt(List<Step> steps, List<Frame?> frames, ushort cs, uint ip, Frame? returns)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i].Cs == cs && steps[i].Ip == ip && Equals(frames[i], returns))
                return i;
        }
        return -1;
    }

    // The slot cached at CS:IP, or 0.
    private int CachedAt(ushort cs, uint ip)
    {
        uint linear = ((uint)cs << 4) + ip;
        return linear < GuestMemory.OneMiB ? cache.Cached(linear) : 0;
    }

    // For each step, the instructions on the longest way from it out of the block: the steps it goes on at that come
    // later in the block (a step earlier or itself is gone back to only when the budget holds that step's longest).
    internal static int[] Longest(List<Step> steps)
    {
        int[] longest = new int[steps.Count];
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            int onward = 0;
            foreach (int to in (ReadOnlySpan<int>)[steps[i].Next, steps[i].Taken])
            {
                if (to > i)
                    onward = Math.Max(onward, longest[to]);
            }
            longest[i] = 1 + onward;
        }
        return longest;
    }

    /// <summary>Whether step <paramref name="to"/> is gone to from step <paramref name="from"/> as to a step already
    /// written: a loop, or two paths that meet; it checks the budget and attention there.</summary>
    internal static bool GoesBack(int from, int to) => to >= 0 && to <= from;

    /// <summary>Whether the block goes back to a step written already.</summary>
    internal static bool Loops(List<Step> steps)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            if (GoesBack(i, steps[i].Next) || GoesBack(i, steps[i].Taken))
                return true;
        }
        return false;
    }

    // The target of an indirect JMP or CALL (CS << 16 | IP when far) with the registers, segments and memory as they
    // are now, read without side effects; none for a memory operand that crosses the segment's end. A guess: the block
    // is compiled as it starts, so it is the target the first pass takes unless the code before the transfer in the
    // block changes a register, segment or word it is computed from. The compiled code checks it where it runs and
    // leaves when it is not the one (see BlockEmitter's Indirect).
    private static uint? Predict(Processor cpu, ref DecodedOp op, ushort cs, bool far)
    {
        if (op.Kind0 != OperandKind.Mem)
            return cpu.Regs[op.Reg0] & 0xFFFF;
        uint ea = cpu.Ea(ref op);
        if (ea > 0x1_0000 - (far ? 4u : 2u))
            return null;
        uint linear = (op.Seg == Seg.CS ? (uint)cs << 4 : cpu.SegBase[op.Seg]) + ea;
        return far ? (uint)PeekWord(cpu, linear + 2) << 16 | PeekWord(cpu, linear) : PeekWord(cpu, linear);
    }

    // The IVT as it stands, read without side effects (a table moved over a device reads as all ones: a guess the
    // compiled code checks like any other).
    private static ushort PeekWord(Processor cpu, uint linear) =>
        (ushort)(cpu.Memory.Peek8(linear) | cpu.Memory.Peek8(linear + 1) << 8);

    /// <summary>The target of a conditional branch with a 16-bit IP (Jcc, LOOP, LOOPE, LOOPNE, JCXZ), or null: the
    /// compiled code goes on at the taken side's step when IP is that.</summary>
    internal static uint? BranchTarget(ref DecodedOp op, uint next)
    {
        nint handler = (nint)op.Execute;
        bool conditional = handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Jcc16
            || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LoopCx16
            || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Jcxz16
            || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Jcc
            || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Jcxz
            || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.LoopCount;
        return conditional && op.Size == 2 ? (next + op.Imm) & 0xFFFF : null;
    }

    // (Handlers are compared as addresses: the decoder stores the same ldftn value these are taken with.)
    internal static Transfer KindOf(ref DecodedOp op)
    {
        nint handler = (nint)op.Execute;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.JmpRel16
            || (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Jmp && op.Kind0 == OperandKind.Imm && op.Size == 2))
            return Transfer.Jump;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.CallRel16)
            return Transfer.Call;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Ret16)
            return Transfer.Ret;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.CallFar16)
            return Transfer.CallFar;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Retf16)
            return Transfer.Retf;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Int
            || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.IntFixed)
            return Transfer.Int;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Iret16)
            return Transfer.Iret;
        // Through a 16-bit register or memory word (the 32-bit forms check the target against the CS limit: handlers).
        bool indirect = op.Size == 2 && op.Kind0 is OperandKind.Reg16 or OperandKind.Mem;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Jmp && indirect)
            return Transfer.JumpIndirect;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Call && indirect)
            return Transfer.CallIndirect;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.JmpFarIndirect && op.MemSize == 4)
            return Transfer.JumpFarIndirect;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.CallFarIndirect && op.MemSize == 4)
            return Transfer.CallFarIndirect;
        return Transfer.None;
    }

    /// <summary>The vector of an INT n (its immediate), INT3 or INT1 (Control.IntFixed's Sub).</summary>
    internal static byte VectorOf(ref DecodedOp op) =>
        (nint)op.Execute == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Int ? (byte)op.Imm : op.Sub;
}
