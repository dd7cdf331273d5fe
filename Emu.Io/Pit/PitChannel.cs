using Emu.Io.Interrupts;

namespace Emu.Io.Pit;

/// <summary>
/// One 8254 counter. The counter is not stepped tick by tick: it remembers the tick at which counting
/// started and derives count and OUT from the ticks elapsed since, so reads reflect virtual time
/// exactly and a timer that fires a million times costs nothing until someone looks.
/// Every state change first syncs the output up to "now", so between changes time runs linearly.
/// Simplifications (none visible to BIOS/DOS/Linux timing code): a count takes effect at once
/// instead of on the next input clock (and, in modes 2 and 3, at once rather than at the end of the
/// current period); the mode 2 low pulse and mode 4/5 strobe are delivered as an edge at the deadline.
/// </summary>
internal sealed class PitChannel
{
    private readonly IrqLine? _outputLine;

    private int _mode;
    private bool _bcd;
    private int _access = 3;          // 1 lsb, 2 msb, 3 lsb then msb
    private int _reload = 0x1_0000;   // effective initial count (0 programmed means 65536 or 10000)
    private ushort _programmed;       // the count register as written (binary or BCD digits)
    private bool _counting;           // counting element loaded and running (triggered for modes 1, 5)
    private bool _countWritten;       // modes 1 and 5: a count waits for its gate trigger
    private bool _nullCount = true;
    private long _loadTick;
    private long _frozenElapsed;      // elapsed ticks while the gate holds the counter
    private bool _gate = true;
    private long _syncedTick;

    private bool _writeHighNext;
    private byte _pendingLow;
    private bool _readHighNext;
    private bool _countLatched;
    private ushort _latchedCount;
    private bool _statusLatched;
    private byte _latchedStatus;

    public PitChannel(IrqLine? outputLine) => _outputLine = outputLine;

    public bool Gate => _gate;

    private int Modulus => _bcd ? 10_000 : 0x1_0000;

    /// <summary>Ticks counted so far; a low gate holds the counter in modes 0, 2, 3 and 4.</summary>
    private long Elapsed(long tick) => HoldsOnLowGate && !_gate ? _frozenElapsed : tick - _loadTick;

    private bool HoldsOnLowGate => _mode is 0 or 2 or 3 or 4;

    public void SetControl(int access, int mode, bool bcd, long tick)
    {
        Sync(tick);
        _access = access;
        _mode = mode;
        _bcd = bcd;
        _counting = false;
        _countWritten = false;
        _nullCount = true;
        _writeHighNext = false;
        _readHighNext = false;
        _countLatched = false;
        _statusLatched = false;
        UpdateLine(tick);
    }

    public void WriteCount(byte value, long tick)
    {
        Sync(tick);
        switch (_access)
        {
            case 1:
                Load(value, tick);
                break;
            case 2:
                Load((ushort)(value << 8), tick);
                break;
            default:
                if (!_writeHighNext)
                {
                    _pendingLow = value;
                    _writeHighNext = true;
                    // Mode 0: writing the first byte stops the count (the datasheet's rule for reprogramming).
                    if (_mode == 0)
                        _counting = false;
                }
                else
                {
                    _writeHighNext = false;
                    Load((ushort)(_pendingLow | value << 8), tick);
                }
                break;
        }
        UpdateLine(tick);
    }

    public byte ReadCount(long tick)
    {
        if (_statusLatched)
        {
            _statusLatched = false;
            return _latchedStatus;
        }
        ushort value = _countLatched ? _latchedCount : CurrentCount(tick);
        byte result;
        switch (_access)
        {
            case 1:
                result = (byte)value;
                _countLatched = false;
                break;
            case 2:
                result = (byte)(value >> 8);
                _countLatched = false;
                break;
            default:
                result = _readHighNext ? (byte)(value >> 8) : (byte)value;
                if (_readHighNext)
                    _countLatched = false;
                _readHighNext = !_readHighNext;
                break;
        }
        return result;
    }

    /// <summary>Counter latch command: the count is frozen for reading until read out; repeats are ignored.</summary>
    public void LatchCount(long tick)
    {
        if (_countLatched)
            return;
        _latchedCount = CurrentCount(tick);
        _countLatched = true;
    }

    /// <summary>Read-back status: OUT, null count, then the control word's RW, mode and BCD bits.</summary>
    public void LatchStatus(long tick)
    {
        if (_statusLatched)
            return;
        _latchedStatus = (byte)((Output(tick) ? 0x80 : 0) | (_nullCount ? 0x40 : 0) | _access << 4 | _mode << 1 | (_bcd ? 1 : 0));
        _statusLatched = true;
    }

    public void SetGate(bool gate, long tick)
    {
        if (gate == _gate)
            return;
        Sync(tick);
        bool rising = gate && !_gate;
        if (!gate)
            _frozenElapsed = tick - _loadTick;
        _gate = gate;
        if (rising)
        {
            switch (_mode)
            {
                case 0:
                case 4:
                    _loadTick = tick - _frozenElapsed; // resume where the count was held
                    break;
                case 2:
                case 3:
                    _loadTick = tick;                  // a rising gate reloads the counter
                    break;
                default:                               // modes 1 and 5: the rising gate is the trigger
                    if (_countWritten)
                    {
                        _counting = true;
                        _loadTick = tick;
                    }
                    break;
            }
        }
        UpdateLine(tick);
    }

    public bool Output(long tick)
    {
        if (!_counting)
            return _mode != 0;
        if (!_gate && _mode is 2 or 3)
            return true;
        long d = Elapsed(tick);
        return _mode switch
        {
            0 or 1 => d >= _reload,
            2 => _reload == 1 || d % _reload != _reload - 1,
            3 => d % _reload < (_reload + 1) / 2,
            _ => d != _reload, // 4 and 5: one tick low at terminal count
        };
    }

    /// <summary>The tick of the next output change (or mode 2 pulse), long.MaxValue when none is coming.</summary>
    public long NextTransitionTick()
    {
        if (!_counting || (HoldsOnLowGate && !_gate))
            return long.MaxValue;
        long d = Elapsed(_syncedTick);
        long periodStart = _loadTick + d - d % _reload;
        return _mode switch
        {
            0 or 1 => d < _reload ? _loadTick + _reload : long.MaxValue,
            2 => periodStart + _reload,
            3 => d % _reload < (_reload + 1) / 2 ? periodStart + (_reload + 1) / 2 : periodStart + _reload,
            _ => d < _reload ? _loadTick + _reload : d == _reload ? _loadTick + _reload + 1 : long.MaxValue,
        };
    }

    /// <summary>Brings the output line up to <paramref name="tick"/>: a rising edge that happened since the
    /// last sync is delivered (once, however many periods passed: the PIC latches one edge anyway).</summary>
    public void Sync(long tick)
    {
        if (tick <= _syncedTick)
            return;
        if (_outputLine is not null)
        {
            if (RoseBetween(_syncedTick, tick))
                _outputLine.Pulse();
            _outputLine.Set(Output(tick));
        }
        _syncedTick = tick;
    }

    private void UpdateLine(long tick)
    {
        _syncedTick = Math.Max(_syncedTick, tick);
        _outputLine?.Set(Output(tick));
    }

    private bool RoseBetween(long fromTick, long toTick)
    {
        if (!_counting || (HoldsOnLowGate && !_gate))
            return false;
        long d0 = Math.Max(Elapsed(fromTick), 0);
        long d1 = Elapsed(toTick);
        return _mode switch
        {
            0 or 1 => d0 < _reload && d1 >= _reload,
            2 or 3 => d1 / _reload > d0 / _reload,
            _ => d0 <= _reload && d1 > _reload,
        };
    }

    private void Load(ushort count, long tick)
    {
        _programmed = count;
        int value = _bcd ? FromBcd(count) : count;
        _reload = value == 0 ? Modulus : value;
        _nullCount = false;
        _frozenElapsed = 0;
        if (_mode is 1 or 5)
        {
            _countWritten = true; // waits for a gate trigger
            return;
        }
        _counting = true;
        _loadTick = tick;
    }

    private ushort CurrentCount(long tick)
    {
        if (!_counting)
            return _programmed;
        long d = Elapsed(tick);
        int modulus = Modulus;
        long value = _mode switch
        {
            2 => _reload - d % _reload,
            // Mode 3 counts down by two twice per period; this is its average shape (as QEMU reads it).
            3 => _reload - 2 * d % _reload,
            _ => ((_reload - d) % modulus + modulus) % modulus,
        };
        value %= modulus; // a full count of 65536 (10000) reads as 0
        return _bcd ? ToBcd((int)value) : (ushort)value;
    }

    // BCD counting: digits above 9 are not meaningful; they are taken at face value rather than rejected.
    private static int FromBcd(ushort bcd) =>
        (bcd >> 12 & 0xF) * 1000 + (bcd >> 8 & 0xF) * 100 + (bcd >> 4 & 0xF) * 10 + (bcd & 0xF);

    private static ushort ToBcd(int value) =>
        (ushort)(value / 1000 % 10 << 12 | value / 100 % 10 << 8 | value / 10 % 10 << 4 | value % 10);
}
