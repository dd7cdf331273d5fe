using System.Runtime.CompilerServices;

namespace Emu.Cpu;

// Lazy status flags. The specialised ALU handlers (Execution/Specialized.cs) do not compute the
// six status flags; they record the operation and its operands, and the flags are computed when
// something reads them. Computing them means replaying the very same eager helper (AluAdd,
// AluSub, AluLogic) on the recorded operands, so the result is bit-for-bit what the eager path
// gives. Everything else keeps using FlagsValue, whose getter materialises a pending record and
// whose setter drops it: code that is not lazy-aware stays correct without change.
public sealed partial class Processor
{
    private const int LazyNone = 0, LazyAdd = 1, LazySub = 2, LazyLogic = 3, LazyInc = 4, LazyDec = 5;

    // FLAGS; its status bits are stale while _lazy != LazyNone.
    private uint _flags;
    private int _lazy;
    private int _lazySize;
    // Add/Sub: the operands and result. Logic: the result. Inc/Dec: the operand and the CF kept.
    private uint _lazyA, _lazyB, _lazyResult, _lazyCarry;

    /// <summary>FLAGS, all bits valid. Assigning it replaces every bit (a pending record is dropped).</summary>
    internal uint FlagsValue
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_lazy != LazyNone)
                Materialize();
            return _flags;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set
        {
            _lazy = LazyNone;
            _flags = value;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Materialize()
    {
        int kind = _lazy;
        _lazy = LazyNone; // the helpers below read and write FlagsValue: the record is gone first
        switch (kind)
        {
            case LazyAdd: AluAdd(_lazyA, _lazyB, 0, _lazySize); break;
            case LazySub: AluSub(_lazyA, _lazyB, 0, _lazySize); break;
            case LazyLogic: AluLogic(_lazyResult, _lazySize); break;
            case LazyInc:
                AluAdd(_lazyA, 1, 0, _lazySize);
                _flags = (_flags & ~CpuFlags.CF) | _lazyCarry;
                break;
            case LazyDec:
                AluSub(_lazyA, 1, 0, _lazySize);
                _flags = (_flags & ~CpuFlags.CF) | _lazyCarry;
                break;
        }
    }

    /// <summary>a + b (both already masked to the size), status flags deferred.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint LazyAddOp(uint a, uint b, int size) => Record(LazyAdd, a, b, (a + b) & SizeMask(size), size);

    /// <summary>a - b (both already masked to the size), status flags deferred.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint LazySubOp(uint a, uint b, int size) => Record(LazySub, a, b, (a - b) & SizeMask(size), size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Record(int kind, uint a, uint b, uint r, int size)
    {
        _lazyA = a;
        _lazyB = b;
        _lazyResult = r;
        _lazySize = size;
        _lazy = kind;
        return r;
    }

    /// <summary>The result of AND/OR/XOR/TEST, status flags deferred.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint LazyLogicOp(uint r, int size)
    {
        _lazyResult = r & SizeMask(size);
        _lazySize = size;
        _lazy = LazyLogic;
        return r;
    }

    /// <summary>INC (up) or DEC of a (masked), status flags deferred; CF is carried over as it is now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint LazyIncDecOp(uint a, bool up, int size)
    {
        uint carry = CarryFlag();
        uint r = (up ? a + 1 : a - 1) & SizeMask(size);
        _lazyA = a;
        _lazyResult = r;
        _lazyCarry = carry;
        _lazySize = size;
        _lazy = up ? LazyInc : LazyDec;
        return r;
    }

    /// <summary>CF alone, without materialising a pending record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint CarryFlag() => _lazy == LazyNone ? _flags & CpuFlags.CF : LazyCarryFlag();

    // Inlined: in a compiled block the record's kind was usually stored just before, and the JIT folds the switch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint LazyCarryFlag() => _lazy switch
    {
        // The operands are masked: the sum wrapped exactly when it came out below an operand.
        LazyAdd => _lazyResult < _lazyA ? CpuFlags.CF : 0,
        LazySub => _lazyA < _lazyB ? CpuFlags.CF : 0,
        LazyInc or LazyDec => _lazyCarry,
        _ => 0, // logic operations clear CF
    };

    /// <summary>AF alone, without materialising: what the recorded operation gives it (logic operations clear it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint AuxFlag() => _lazy switch
    {
        LazyNone => _flags & CpuFlags.AF,
        LazyAdd or LazySub => (_lazyA ^ _lazyB ^ _lazyResult) & CpuFlags.AF,
        LazyInc or LazyDec => (_lazyA ^ 1 ^ _lazyResult) & CpuFlags.AF,
        _ => 0,
    };

    /// <summary>FLAGS without its six status flags, which a pending record leaves stale but never these: for
    /// the helpers that compute all six anew (AluAdd, AluSub, AluLogic), so that they need not materialise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ControlFlags() => _flags & ~CpuFlags.Status;

    /// <summary>ZF alone, without materialising: every lazy record sets it from its result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool ZeroFlag() => _lazy == LazyNone ? (_flags & CpuFlags.ZF) != 0 : _lazyResult == 0;
}
