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
/// raises an INT whose handler IRETs, is one block, a list of slots in the order they run, in up to as many code
/// segments as it reaches. The common forms (the specialised MOV, ALU,
/// INC/DEC, PUSH/POP, Jcc, LOOP and JMP) become calls of their operations over plain operands
/// (<see cref="Specialized"/>), with registers, immediates, displacements and targets as constants, which the
/// JIT inlines and folds; every other instruction calls its handler as the run loop does. It keeps the run
/// loop's guarantees, at the same instruction boundaries:
/// <list type="bullet">
/// <item>It runs only when its whole length fits in the budget, nothing waits for attention, CS:IP is where
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
/// thread is seen at the block's end or its loop back to the start.</item>
/// <item>A branch back to the block's own start loops inside the method while the budget allows another pass
/// and nothing needs attention; any other branch leaves with IP set, and the run loop finds what follows.</item>
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
    // Shorter blocks stay threaded, unless they branch back to their own start (a loop runs inside the method).
    private const int MinInstructions = 4;

    private sealed class Block(Func<int> code, uint startIp, int[] slots, int generation)
    {
        public readonly Func<int> Code = code;
        public readonly uint StartIp = startIp;
        public readonly int[] Slots = slots;
        public int Count => Slots.Length;
        public int Generation = generation;
    }

    /// <summary>One instruction of a block: its pool slot and the CS:IP it runs at.</summary>
    internal readonly record struct Step(int Slot, ushort Cs, ushort Ip);

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
        if (b.StartIp != ip || cpu.RepeatBudget < b.Count)
            return 0;
        if (b.Generation != cache.Generation)
        {
            if (!Intact(b))
            {
                Drop(index);
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

    /// <summary>Drops every compiled block (the cache was flushed, or the table is full).</summary>
    public void Clear()
    {
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
        List<Step> steps = Form(cpu, first, cpu.CS, ip);
        if (steps.Count < MinInstructions && !LoopsToItsStart(pool, steps))
        {
            // Too short to gain (entering compiled code costs more than the run loop spends on a few
            // instructions), or not a block yet (its next instruction was never decoded after it): look again later.
            pool[first].Entries = 0;
            return;
        }
        if (_used > MaxBlocks)
            Clear();
        int index = _used++;
        int[] slots = [.. steps.Select(s => s.Slot)];
        Compiled++;
        _blocks[index] = new Block(BlockEmitter.Emit(this, cpu, pool, steps), ip, slots, cache.Generation);
        pool[first].Block = index;
    }

    // The instructions in the order they run, from the first: on through the next slot while code falls through in
    // memory, on through a transfer to where it goes when that is cached (below 1 MiB, where linear and physical
    // addresses agree) or, for a return, when the CALL or INT it returns from is in the block. It stops where the run
    // loop would always leave (IP wraps at 64 KiB, an instruction that does not fall through), at the block's own
    // start (a branch there loops inside the method), and after MaxInstructions.
    private List<Step> Form(Processor cpu, int first, ushort startCs, uint startIp)
    {
        DecodedOp[] pool = cache.Pool;
        var steps = new List<Step>();
        var returns = new Stack<(Transfer Kind, ushort Cs, ushort Ip)>();
        int slot = first;
        ushort cs = startCs;
        uint ip = startIp;
        while (true)
        {
            steps.Add(new Step(slot, cs, (ushort)ip));
            if (steps.Count == MaxInstructions)
                return steps;
            ref DecodedOp op = ref pool[slot];
            uint next = ip + op.Length;
            (ushort Cs, uint Ip)? to = null;
            switch (KindOf(ref op))
            {
                case Transfer.Jump:
                    to = (cs, (next + op.Imm) & 0xFFFF);
                    break;
                case Transfer.Call:
                    returns.Push((Transfer.Call, cs, (ushort)next));
                    to = (cs, (next + op.Imm) & 0xFFFF);
                    break;
                case Transfer.CallFar:
                    returns.Push((Transfer.CallFar, cs, (ushort)next));
                    to = ((ushort)op.Imm2, op.Imm & 0xFFFF);
                    break;
                case Transfer.JumpIndirect or Transfer.CallIndirect or Transfer.JumpFarIndirect or Transfer.CallFarIndirect:
                    Transfer kind = KindOf(ref op);
                    bool far = kind is Transfer.JumpFarIndirect or Transfer.CallFarIndirect;
                    if (Predict(cpu, ref op, cs, far) is not uint guess)
                        return steps;
                    if (kind is Transfer.CallIndirect or Transfer.CallFarIndirect)
                        returns.Push((far ? Transfer.CallFar : Transfer.Call, cs, (ushort)next));
                    to = far ? ((ushort)(guess >> 16), guess & 0xFFFF) : (cs, guess);
                    break;
                case Transfer.Int:
                    uint entry = VectorOf(ref op) * 4u;
                    if (entry + 3 > cpu.IdtLimit)
                        return steps;
                    returns.Push((Transfer.Int, cs, (ushort)next));
                    to = (PeekWord(cpu, cpu.IdtBase + entry + 2), PeekWord(cpu, cpu.IdtBase + entry));
                    break;
                case Transfer.Ret or Transfer.Retf or Transfer.Iret:
                    // A near return pops an IP of this CS: it matches a near CALL made in this CS only. IRET matches an
                    // INT, or a far CALL (after PUSHF: an interrupt simulated in software); either way the compiled
                    // code checks the CS:IP it pops.
                    bool matches = returns.Count > 0 && (KindOf(ref op), returns.Peek().Kind) switch
                    {
                        (Transfer.Ret, Transfer.Call) => returns.Peek().Cs == cs,
                        (Transfer.Retf, Transfer.CallFar) or (Transfer.Iret, Transfer.Int or Transfer.CallFar) => true,
                        _ => false,
                    };
                    if (!matches)
                        return steps;
                    var back = returns.Pop();
                    to = (back.Cs, back.Ip);
                    break;
                default:
                    if (!op.Fallthrough || next >= 0x1_0000)
                        return steps;
                    slot++;
                    ip = next;
                    continue;
            }
            var (toCs, toIp) = to.Value;
            uint linear = ((uint)toCs << 4) + toIp;
            int target = linear < GuestMemory.OneMiB ? cache.Cached(linear) : 0;
            if (target == 0 || (toCs == startCs && toIp == startIp))
                return steps;
            slot = target;
            cs = toCs;
            ip = toIp;
        }
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

    private static bool LoopsToItsStart(DecodedOp[] pool, List<Step> steps)
    {
        Step start = steps[0];
        foreach (Step step in steps)
        {
            ref DecodedOp op = ref pool[step.Slot];
            uint next = (uint)step.Ip + op.Length;
            nint handler = (nint)op.Execute;
            bool branch = KindOf(ref op) == Transfer.Jump
                || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Jcc16
                || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LoopCx16;
            if (branch && step.Cs == start.Cs && ((next + op.Imm) & 0xFFFF) == start.Ip)
                return true;
        }
        return false;
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
