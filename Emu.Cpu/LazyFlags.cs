using System.Runtime.CompilerServices;

namespace Emu.Cpu;

/// <summary>
/// FLAGS with lazy status flags. The specialised ALU operations (Execution/Specialized.cs) do not compute the
/// six status flags; they record the operation and its operands, and the flags are computed when something
/// reads them. Computing them means replaying the very same eager helper (<see cref="AluAdd"/>,
/// <see cref="AluSub"/>, <see cref="AluLogic"/>) on the recorded operands, so the result is bit-for-bit what the
/// eager path gives. Everything else uses <see cref="Value"/>, whose getter materialises a pending record and
/// whose setter drops it: code that is not lazy-aware stays correct without change.
/// </summary>
/// <remarks>
/// A struct, so that a compiled block (Compilation/BlockEmitter.cs) can keep it in an IL local, as it keeps the
/// registers, and write it back to the processor only where something can see it: the JIT then keeps its few
/// fields in machine registers, and a record that the next operation replaces costs nothing. That is why it has
/// as few fields as it does (the kind and size share one) and why nothing here takes its address beyond an
/// inlined method: the replay takes the fields by value.
/// </remarks>
internal struct LazyFlags
{
    // The kind of a pending record, in the low bits of _op; the operand size (1, 2, 4) is in the bits above.
    private const int None = 0, Add = 1, Sub = 2, Logic = 3, Inc = 4, Dec = 5, Settled = 6, KindBits = 3, KindMask = (1 << KindBits) - 1;

    // FLAGS; its status bits are stale while _op != None.
    private uint _bits;
    private int _op;
    // Add/Sub: the operands and the result. Logic: the result. Inc/Dec: the operand, the CF kept (in _b), the result.
    // Settled: the result; CF, OF and AF are already in _bits (only SF, ZF and PF are stale).
    private uint _a, _b, _result;

    /// <summary>FLAGS, all bits valid. Assigning it replaces every bit (a pending record is dropped).</summary>
    public uint Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_op != None)
            {
                _bits = Replay(_op, _a, _b, _result, _bits);
                _op = None;
            }
            return _bits;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set
        {
            _op = None;
            _bits = value;
        }
    }

    // FLAGS after the recorded operation, computed by the eager helpers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint Replay(int op, uint a, uint b, uint result, uint bits)
    {
        var f = new LazyFlags { _bits = bits };
        int size = op >> KindBits;
        switch (op & KindMask)
        {
            case Add: f.AluAdd(a, b, 0, size); break;
            case Sub: f.AluSub(a, b, 0, size); break;
            case Logic: f.AluLogic(result, size); break;
            case Inc:
                f.AluAdd(a, 1, 0, size);
                f._bits = (f._bits & ~CpuFlags.CF) | b;
                break;
            case Dec:
                f.AluSub(a, 1, 0, size);
                f._bits = (f._bits & ~CpuFlags.CF) | b;
                break;
            case Settled:
                f._bits = (bits & ~(CpuFlags.SF | CpuFlags.ZF | CpuFlags.PF)) | Processor.SzpBits(result, size);
                break;
        }
        return f._bits;
    }

    // ---- the eager helpers: every status flag computed now (operands already masked to the size) ----

    /// <summary>a + b + carry with all six status flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint AluAdd(uint a, uint b, uint carry, int size)
    {
        uint r = Sum(a, b, carry, size, out uint f);
        Value = f | Processor.SzpBits(r, size);
        return r;
    }

    /// <summary>a - b - borrow with all six status flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint AluSub(uint a, uint b, uint borrow, int size)
    {
        uint r = Difference(a, b, borrow, size, out uint f);
        Value = f | Processor.SzpBits(r, size);
        return r;
    }

    // a + b + carry (operands masked) and FLAGS' control bits with the CF, OF and AF it sets: ADD's and ADC's, whether
    // SF, ZF and PF are then computed at once (AluAdd) or deferred (AdcOp).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly uint Sum(uint a, uint b, uint carry, int size, out uint flags)
    {
        uint mask = Processor.SizeMask(size);
        ulong wide = (ulong)a + b + carry;
        uint r = (uint)wide & mask;
        flags = ControlFlags();
        if (wide > mask) flags |= CpuFlags.CF;
        if (((a ^ r) & (b ^ r) & Processor.SignBit(size)) != 0) flags |= CpuFlags.OF;
        if (((a ^ b ^ r) & 0x10) != 0) flags |= CpuFlags.AF;
        return r;
    }

    // a - b - borrow (operands masked) and FLAGS' control bits with the CF, OF and AF it sets (AluSub, SbbOp).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly uint Difference(uint a, uint b, uint borrow, int size, out uint flags)
    {
        uint r = (a - b - borrow) & Processor.SizeMask(size);
        flags = ControlFlags();
        if ((ulong)a < (ulong)b + borrow) flags |= CpuFlags.CF;
        if (((a ^ b) & (a ^ r) & Processor.SignBit(size)) != 0) flags |= CpuFlags.OF;
        if (((a ^ b ^ r) & 0x10) != 0) flags |= CpuFlags.AF;
        return r;
    }

    /// <summary>Flags of AND/OR/XOR/TEST: CF = OF = AF = 0, SF ZF PF from the result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint AluLogic(uint r, int size)
    {
        Value = ControlFlags() | Processor.SzpBits(r, size);
        return r;
    }

    // ---- the lazy operations: the result now, the status flags recorded ----

    /// <summary>a + b (both already masked to the size), status flags deferred.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint AddOp(uint a, uint b, int size) => Record(Add, a, b, (a + b) & Processor.SizeMask(size), size);

    /// <summary>a - b (both already masked to the size), status flags deferred.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SubOp(uint a, uint b, int size) => Record(Sub, a, b, (a - b) & Processor.SizeMask(size), size);

    /// <summary>The result of AND/OR/XOR/TEST, status flags deferred.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint LogicOp(uint r, int size)
    {
        _result = r & Processor.SizeMask(size);
        _op = Logic | size << KindBits;
        return r;
    }

    /// <summary>INC (up) or DEC of a (masked), status flags deferred; CF is carried over as it is now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint IncDecOp(uint a, bool up, int size) =>
        Record(up ? Inc : Dec, a, CarryFlag(), (up ? a + 1 : a - 1) & Processor.SizeMask(size), size);

    /// <summary>A result r (masked to the size) with <paramref name="bits"/> FLAGS as the operation leaves CF, OF and
    /// AF; SF, ZF and PF, which come from the result alone, deferred: the shifts, ADC and SBB, whose CF, OF and AF are
    /// a few operations now, where PF is a population count that code testing only CF after them (a CRC, a bit loop,
    /// a carry chain) never needs, as the next operation usually replaces it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SettledOp(uint r, uint bits, int size)
    {
        _bits = bits;
        _result = r;
        _op = Settled | size << KindBits;
        return r;
    }

    /// <summary>ADC: a + b + carry (operands masked), CF OF AF now, SF ZF PF deferred (<see cref="SettledOp"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint AdcOp(uint a, uint b, uint carry, int size)
    {
        uint r = Sum(a, b, carry, size, out uint f);
        return SettledOp(r, f, size);
    }

    /// <summary>SBB: a - b - borrow (operands masked), CF OF AF now, SF ZF PF deferred (<see cref="SettledOp"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SbbOp(uint a, uint b, uint borrow, int size)
    {
        uint r = Difference(a, b, borrow, size, out uint f);
        return SettledOp(r, f, size);
    }

    /// <summary>CF and OF as a rotate leaves them, the other four status flags kept, without materialising a pending
    /// record: every kind gives SF, ZF and PF from its result alone, so the record becomes a Settled one (same result,
    /// same size) with AF, taken from it now, and the new CF and OF in _bits. ROL after ADD, RCL after SHL compute
    /// nothing more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RotateOp(uint cf, bool of)
    {
        uint carried = cf | (of ? CpuFlags.OF : 0);
        if (_op == None)
        {
            _bits = (_bits & ~(CpuFlags.CF | CpuFlags.OF)) | carried;
            return;
        }
        _bits = ControlFlags() | AuxFlag() | carried;
        _op = Settled | (_op & ~KindMask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Record(int kind, uint a, uint b, uint r, int size)
    {
        _a = a;
        _b = b;
        _result = r;
        _op = kind | size << KindBits;
        return r;
    }

    // ---- single flags, without materialising a pending record ----

    /// <summary>FLAGS without its six status flags, which a pending record leaves stale but never these: for
    /// the helpers that compute all six anew, so that they need not materialise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint ControlFlags() => _bits & ~CpuFlags.Status;

    /// <summary>CF alone. In a compiled block the record's kind was usually set just before, and the JIT folds the switch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint CarryFlag() => (_op & KindMask) switch
    {
        None => _bits & CpuFlags.CF,
        // The operands are masked: the sum wrapped exactly when it came out below an operand.
        Add => _result < _a ? CpuFlags.CF : 0,
        Sub => _a < _b ? CpuFlags.CF : 0,
        Inc or Dec => _b,
        Settled => _bits & CpuFlags.CF,
        _ => 0, // logic operations clear CF
    };

    /// <summary>AF alone: what the recorded operation gives it (logic operations clear it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint AuxFlag() => (_op & KindMask) switch
    {
        None => _bits & CpuFlags.AF,
        Add or Sub => (_a ^ _b ^ _result) & CpuFlags.AF,
        Inc or Dec => (_a ^ 1 ^ _result) & CpuFlags.AF,
        Settled => _bits & CpuFlags.AF,
        _ => 0,
    };

    /// <summary>ZF alone: every lazy record sets it from its result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool ZeroFlag() => _op == None ? (_bits & CpuFlags.ZF) != 0 : _result == 0;

    /// <summary>Evaluates condition code 0-15 (O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Condition(int cc)
    {
        // JE/JNE after a lazy ALU operation need only its result (the common loop-closing test), JB/JAE
        // only its carry (carry chains of bignum loops).
        if ((cc >> 1) == 2)
            return ZeroFlag() ^ ((cc & 1) != 0);
        if ((cc >> 1) == 1)
            return (CarryFlag() != 0) ^ ((cc & 1) != 0);
        uint f = Value;
        bool r = (cc >> 1) switch
        {
            0 => (f & CpuFlags.OF) != 0,
            1 => (f & CpuFlags.CF) != 0,
            2 => (f & CpuFlags.ZF) != 0,
            3 => (f & (CpuFlags.CF | CpuFlags.ZF)) != 0,
            4 => (f & CpuFlags.SF) != 0,
            5 => (f & CpuFlags.PF) != 0,
            6 => ((f & CpuFlags.SF) != 0) != ((f & CpuFlags.OF) != 0),
            _ => (f & CpuFlags.ZF) != 0 || ((f & CpuFlags.SF) != 0) != ((f & CpuFlags.OF) != 0),
        };
        return r ^ ((cc & 1) != 0);
    }
}
