using Emu.Cpu.Compilation;
using Emu.Memory;

namespace Emu.Cpu.Decoding;

/// <summary>
/// Decoded instructions keyed by the physical address of their first byte. A write to any byte an
/// entry covers drops exactly the entries that cover it (the memory reports such writes), so
/// self-modifying code works, and stores into a code page that miss the code cost one map test.
/// </summary>
/// <remarks>
/// Entries live in a pool and are named by their index there (a slot). Slot 0 is never a cached
/// instruction: it holds the last instruction that could not be cached, and its address is always
/// <see cref="Dropped"/>, so that a slot number needs no "none" case: 0 simply never matches.
/// </remarks>
internal sealed class DecodeCache : ICodeWriteObserver
{
    private const int PoolCapacity = 1 << 15;
    // The longest instruction Iced decodes; an entry starting further back cannot cover a byte.
    private const int MaxInstructionLength = 15;

    /// <summary>The <see cref="DecodedOp.Address"/> of slot 0 and of entries that were invalidated or
    /// flushed: no physical address equals it, so a successor link to such an entry never matches.</summary>
    public const uint Dropped = uint.MaxValue;

    private readonly Processor _cpu;
    private readonly Translator _translator;
    private readonly int[] _slotAt = new int[GuestMemory.Size]; // 0 = not cached, else the slot
    // Pinned: compiled blocks name their instructions by address (Compilation/BlockCompiler.cs).
    private readonly DecodedOp[] _pool = GC.AllocateArray<DecodedOp>(PoolCapacity + 1, pinned: true);
    private int _used = 1;

    public DecodeCache(Processor cpu)
    {
        _cpu = cpu;
        _translator = new Translator(cpu);
        _pool[0].Address = Dropped;
        Compiler = new BlockCompiler(this);
    }

    /// <summary>Compiles the hot blocks of this cache; its blocks are dropped with the entries they cover.</summary>
    public BlockCompiler Compiler { get; }

    /// <summary>Counts the drops and flushes: a compiled block that saw it change checks that its entries
    /// are all still there before it runs again, and one that is running stops after the store that changed it.</summary>
    public int Generation;

    /// <summary>The pool, for the run loop's inlined hit path (see <see cref="Processor.Run"/>).</summary>
    internal DecodedOp[] Pool => _pool;

    public int Count => _used - 1;

    public ref DecodedOp Lookup(uint physical, uint ip) => ref _pool[Find(physical, ip)];

    /// <summary>The slot of the instruction at <paramref name="physical"/> (CS:IP = <paramref name="ip"/>),
    /// decoding it on a miss; 0 if it cannot be cached (it is then decoded into slot 0).</summary>
    public int Find(uint physical, uint ip)
    {
        int slot = Cached(physical);
        return slot != 0 ? slot : Miss(physical, ip);
    }

    /// <summary>The slot of the cached instruction at <paramref name="physical"/>, or 0: nothing is decoded.</summary>
    public int Cached(uint physical) => physical < (uint)_slotAt.Length ? _slotAt[physical] : 0;

    private int Miss(uint physical, uint ip)
    {
        var op = default(DecodedOp);
        _translator.Decode(_cpu.SegBase[Seg.CS], ip, physical, ref op);
        if (!Cacheable(physical, ip, op.Length))
        {
            // Decoded again every time it runs; never the target of a successor link.
            op.Address = Dropped;
            _pool[0] = op;
            return 0;
        }
        if (_used == _pool.Length)
            Flush();
        int slot = _used++;
        _pool[slot] = op;
        _slotAt[physical] = slot;
        _cpu.Memory.MarkCode(physical, op.Length);
        LinkToPredecessor(slot);
        return slot;
    }

    /// <summary>False: every instruction is looked up on its own (tests compare the two). Takes effect for
    /// instructions decoded after it changes.</summary>
    public bool LinksBlocks { get; set; } = true;

    // Straight-line code is decoded in the order it runs, so an instruction usually lands in the slot after
    // the one before it in memory; the two then form a block (DecodedOp.Fallthrough). Blocks stay below
    // 1 MiB: there the physical address of the next instruction does not depend on the A20 gate, which an
    // OUT inside the block may switch.
    private void LinkToPredecessor(int slot)
    {
        ref DecodedOp before = ref _pool[slot - 1];
        uint address = _pool[slot].Address;
        if (LinksBlocks && slot > 1 && before.Address != Dropped && before.Address + before.Length == address
            && address + _pool[slot].Length <= GuestMemory.OneMiB)
            before.Fallthrough = true;
    }

    private bool Cacheable(uint physical, uint ip, int length)
    {
        if (ip + (uint)length > 0x1_0000 || physical + (uint)length > GuestMemory.Size)
            return false;
        var memory = _cpu.Memory;
        return memory.KindOf(physical) <= PageKind.Rom && memory.KindOf(physical + (uint)length - 1) <= PageKind.Rom;
    }

    public void CodeWritten(uint physicalAddress)
    {
        for (int back = 0; back < MaxInstructionLength && back <= physicalAddress; back++)
        {
            uint start = physicalAddress - (uint)back;
            int slot = _slotAt[start];
            if (slot != 0 && start + _pool[slot].Length > physicalAddress)
            {
                _slotAt[start] = 0;
                _pool[slot].Address = Dropped;
                // Neither the block this entry ends nor the one it was in may run into it again; a block
                // running now stops after the instruction that wrote (it reads the flag after each one).
                _pool[slot].Fallthrough = false;
                _pool[slot - 1].Fallthrough = false;
                Generation++;
            }
        }
    }

    public void Flush()
    {
        // Only the live entries have an address-map slot (an invalidated one was unmapped when it was dropped),
        // so clearing theirs clears the map: the cost follows the entries used, not the 4 MiB map (the cpu fuzz
        // target flushes after every input). Successor links may still point at any entry: drop them all, and
        // the links themselves, so that a flushed cache runs exactly as a new one.
        _pool[0].Next = 0;
        for (int i = 1; i < _used; i++)
        {
            uint address = _pool[i].Address;
            if (address != Dropped && _slotAt[address] == i)
                _slotAt[address] = 0;
            _pool[i].Address = Dropped;
            _pool[i].Next = 0;
            _pool[i].Fallthrough = false;
        }
        _used = 1;
        Generation++;
        Compiler.Clear();
        _cpu.Memory.ClearCodeMarks();
    }
}
