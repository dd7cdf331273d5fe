using Emu.Memory;

namespace Emu.Cpu.Decoding;

/// <summary>
/// Decoded instructions keyed by the physical address of their first byte. A write to any byte an
/// entry covers drops exactly the entries that cover it (the memory reports such writes), so
/// self-modifying code works, and stores into a code page that miss the code cost one map test.
/// </summary>
internal sealed class DecodeCache : ICodeWriteObserver
{
    private const int PoolCapacity = 1 << 15;
    // The longest instruction Iced decodes; an entry starting further back cannot cover a byte.
    private const int MaxInstructionLength = 15;

    private readonly Cpu _cpu;
    private readonly Translator _translator;
    private readonly int[] _slotAt = new int[GuestMemory.Size]; // 0 = empty, else pool index + 1
    private readonly DecodedOp[] _pool = new DecodedOp[PoolCapacity];

    /// <summary>The map and pool, for the run loop's inlined hit path (see <see cref="Lookup"/>).</summary>
    internal int[] SlotAt => _slotAt;
    internal DecodedOp[] Pool => _pool;
    private int _used;
    // Instructions that cannot be cached (they wrap at IP FFFF or lie outside RAM and ROM) are
    // decoded here every time they run.
    private DecodedOp _uncached;

    /// <summary>Where <see cref="Miss"/> put an instruction it could not cache.</summary>
    public ref DecodedOp Uncached => ref _uncached;

    public DecodeCache(Cpu cpu)
    {
        _cpu = cpu;
        _translator = new Translator(cpu);
    }

    /// <summary>The <see cref="DecodedOp.Address"/> of an entry that was invalidated or flushed: no
    /// physical address equals it, so a successor link to it never matches.</summary>
    public const uint Dropped = uint.MaxValue;

    public int Count => _used;

    public ref DecodedOp Lookup(uint physical, uint ip)
    {
        if (physical < (uint)_slotAt.Length)
        {
            int slot = _slotAt[physical];
            if (slot != 0)
                return ref _pool[slot - 1];
        }
        return ref Miss(physical, ip, out _);
    }

    /// <summary>Decodes the instruction at <paramref name="physical"/> and caches it if it can be.
    /// <paramref name="slot"/> is its pool slot + 1, or 0 when it was not cached.</summary>
    public ref DecodedOp Miss(uint physical, uint ip, out int slot)
    {
        slot = 0;
        var op = default(DecodedOp);
        _translator.Decode(_cpu.SegBase[Seg.CS], ip, physical, ref op);
        if (!Cacheable(physical, ip, op.Length))
        {
            _uncached = op;
            return ref _uncached;
        }
        if (_used == PoolCapacity)
            Flush();
        int index = _used++;
        _pool[index] = op;
        _slotAt[physical] = index + 1;
        _cpu.Memory.MarkCode(physical, op.Length);
        slot = index + 1;
        return ref _pool[index];
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
            if (slot != 0 && start + _pool[slot - 1].Length > physicalAddress)
            {
                _slotAt[start] = 0;
                _pool[slot - 1].Address = Dropped;
            }
        }
    }

    public void Flush()
    {
        Array.Clear(_slotAt);
        // Successor links may still point at any entry: drop them all, not just the map.
        for (int i = 0; i < _used; i++)
            _pool[i].Address = Dropped;
        _used = 0;
        _cpu.Memory.ClearCodeMarks();
    }
}
