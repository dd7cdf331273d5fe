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
    private int _used;
    // Instructions that cannot be cached (they wrap at IP FFFF or lie outside RAM and ROM) are
    // decoded here every time they run.
    private DecodedOp _uncached;

    public DecodeCache(Cpu cpu)
    {
        _cpu = cpu;
        _translator = new Translator(cpu);
    }

    public int Count => _used;

    public ref DecodedOp Lookup(uint physical, uint ip)
    {
        if (physical < (uint)_slotAt.Length)
        {
            int slot = _slotAt[physical];
            if (slot != 0)
                return ref _pool[slot - 1];
        }
        return ref Miss(physical, ip);
    }

    private ref DecodedOp Miss(uint physical, uint ip)
    {
        var op = default(DecodedOp);
        _translator.Decode(_cpu.SegBase[Seg.CS], ip, physical, ref op);
        if (!Cacheable(physical, ip, op.Length))
        {
            _uncached = op;
            return ref _uncached;
        }
        if (_used == PoolCapacity)
            Flush();
        int slot = _used++;
        _pool[slot] = op;
        _slotAt[physical] = slot + 1;
        _cpu.Memory.MarkCode(physical, op.Length);
        return ref _pool[slot];
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
                _slotAt[start] = 0;
        }
    }

    public void Flush()
    {
        Array.Clear(_slotAt);
        _used = 0;
        _cpu.Memory.ClearCodeMarks();
    }
}
