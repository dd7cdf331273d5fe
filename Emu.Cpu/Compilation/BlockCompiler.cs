using Emu.Cpu.Decoding;
using Emu.Cpu.Execution;

namespace Emu.Cpu.Compilation;

/// <summary>
/// Compiles hot blocks of the decode cache to IL (<see cref="DynamicMethod"/>): one method per block that
/// runs its instructions in a row, without the run loop between them.
/// </summary>
/// <remarks>
/// A block is the run of pool slots the threaded run loop would go through (<see cref="DecodedOp.Fallthrough"/>),
/// compiled once it has been started <see cref="Threshold"/> times. The common forms (the specialised MOV, ALU,
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
/// </list>
/// </remarks>
internal sealed unsafe class BlockCompiler(DecodeCache cache)
{
    private const int MaxBlocks = 4096;
    // Long enough for any loop body worth compiling; a longer run of code is compiled as several blocks.
    private const int MaxInstructions = 64;
    // Shorter blocks stay threaded, unless they branch back to their own start (a loop runs inside the method).
    private const int MinInstructions = 4;

    private sealed class Block(Func<Processor, int> code, uint startIp, int first, int count, int generation)
    {
        public readonly Func<Processor, int> Code = code;
        public readonly uint StartIp = startIp;
        public readonly int First = first, Count = count;
        public int Generation = generation;
    }

    private readonly Block?[] _blocks = new Block?[MaxBlocks + 1];
    private int _used = 1;

    /// <summary>How many starts make a block hot enough to compile; 0 compiles nothing.</summary>
    public int Threshold = 200;

    /// <summary>Blocks compiled and not dropped since the last flush.</summary>
    public int Count => _used - 1;

    /// <summary>Instructions compiled so far as inline operations, and as calls of their handler.</summary>
    public long InlineInstructions, HandlerInstructions;

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
        return b.Code(cpu);
    }

    // Entries are dropped, never changed in place, and slots are reused only after a flush (which drops every
    // block): a block whose entries are all live and still linked runs the code it was compiled from.
    private bool Intact(Block b)
    {
        DecodedOp[] pool = cache.Pool;
        for (int i = 0; i < b.Count; i++)
        {
            ref DecodedOp op = ref pool[b.First + i];
            if (op.Address == DecodeCache.Dropped || (i < b.Count - 1 && !op.Fallthrough))
                return false;
        }
        return true;
    }

    private void Drop(int index)
    {
        Block b = _blocks[index]!;
        ref DecodedOp first = ref cache.Pool[b.First];
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

    /// <summary>Compiles the block that starts at pool slot <paramref name="first"/>, at CS:IP = <paramref name="ip"/>.</summary>
    public void Compile(int first, uint ip)
    {
        if (Threshold == 0 || first == 0)
            return;
        DecodedOp[] pool = cache.Pool;
        int count = 1;
        uint end = ip + pool[first].Length;
        // Stop where the run loop would always leave: at 64 KiB (IP wraps), after an unconditional jump.
        while (count < MaxInstructions && pool[first + count - 1].Fallthrough && end < 0x1_0000
            && !IsJump(ref pool[first + count - 1]))
        {
            end += pool[first + count].Length;
            count++;
        }
        if (count < MinInstructions && !LoopsToItsStart(pool, first, count, ip))
        {
            // Too short to gain (entering compiled code costs more than the run loop spends on a few
            // instructions: a CALL or RET every 2-3 made the call guest slower), or not a block yet (its next
            // instruction was never decoded after it): look again later.
            pool[first].Entries = 0;
            return;
        }
        if (_used > MaxBlocks)
            Clear();
        int index = _used++;
        _blocks[index] = new Block(BlockEmitter.Emit(this, pool, first, count, ip), ip, first, count, cache.Generation);
        pool[first].Block = index;
    }

    private static bool LoopsToItsStart(DecodedOp[] pool, int first, int count, uint startIp)
    {
        uint ip = startIp;
        for (int i = 0; i < count; i++)
        {
            ref DecodedOp op = ref pool[first + i];
            ip += op.Length;
            nint handler = (nint)op.Execute;
            bool branch = IsJump(ref op)
                || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Jcc16
                || handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LoopCx16;
            if (branch && ((ip + op.Imm) & 0xFFFF) == startIp)
                return true;
        }
        return false;
    }

    // (Handlers are compared as addresses: the decoder stores the same ldftn value these are taken with.)
    internal static bool IsJump(ref DecodedOp op) =>
        (nint)op.Execute == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.Jmp && op.Kind0 == OperandKind.Imm && op.Size == 2;
}
