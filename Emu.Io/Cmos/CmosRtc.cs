using Emu.Io.Bus;
using Emu.Io.Interrupts;
using Emu.Io.Timing;

namespace Emu.Io.Cmos;

/// <summary>
/// The AT's Motorola MC146818 real-time clock with 128 bytes of CMOS RAM behind ports 0x70 (index;
/// bit 7 masks NMI, which this machine has no source for) and 0x71 (data). The clock is virtual: the
/// date at virtual time 0 is a configured start (2000-01-01 00:00:00 by default, or the host's date
/// when asked), plus the virtual time elapsed. Registers 0-9 are computed on read in the format of
/// register B (BCD or binary, 12 or 24 hour); a guest that sets the time re-bases the clock.
/// Register C flags (periodic, alarm, update-ended) are derived from virtual time and raise IRQ 8.
/// Data writes and reads of register C tell the clock that the next interrupt's deadline may have moved.
/// </summary>
public sealed class CmosRtc : ByteRegisterDevice, ITimedDevice
{
    public const ushort DefaultPort = 0x70;
    public const int Irq = 8;

    // Register indexes.
    public const int Seconds = 0x00, SecondsAlarm = 0x01, Minutes = 0x02, MinutesAlarm = 0x03,
        Hours = 0x04, HoursAlarm = 0x05, DayOfWeek = 0x06, DayOfMonth = 0x07, Month = 0x08, Year = 0x09,
        RegisterA = 0x0A, RegisterB = 0x0B, RegisterC = 0x0C, RegisterD = 0x0D,
        ShutdownStatus = 0x0F, BaseMemoryLow = 0x15, ExtendedMemoryLow = 0x17,
        ChecksumHigh = 0x2E, ExtendedMemoryPostLow = 0x30, Century = 0x32;

    public const int Size = 128;

    public static readonly DateTime DefaultStartTime = new(2000, 1, 1, 0, 0, 0);

    private const long NsPerSecond = 1_000_000_000;
    private const long NsPerTick = 100; // DateTime ticks
    /// <summary>UIP rises this long before each update (the datasheet's 244 us).</summary>
    private const long UpdateInProgressNs = 244_000;

    private const byte BSet = 0x80, BPeriodicIe = 0x40, BAlarmIe = 0x20, BUpdateIe = 0x10, BBinary = 0x04, B24Hour = 0x02;
    private const byte CIrqf = 0x80, CPeriodic = 0x40, CAlarm = 0x20, CUpdate = 0x10;

    private readonly VirtualClock _clock;
    private readonly IrqLine? _irq;
    private readonly byte[] _ram = new byte[Size];
    private int _index;
    private DateTime _baseTime;
    private long _baseNs;
    private long _flagsSyncedNs;

    public CmosRtc(VirtualClock clock, IrqLine? irq8 = null, DateTime? startTime = null)
    {
        _clock = clock;
        _irq = irq8;
        _baseTime = startTime ?? DefaultStartTime;
        _baseNs = clock.NowNs;
        _flagsSyncedNs = clock.NowNs;
        _ram[RegisterA] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
        _ram[RegisterB] = B24Hour;
        _ram[RegisterD] = 0x80; // VRT: battery good
        SetMemorySize(640, 0);
    }

    public override string Name => "cmos";

    /// <summary>Index register bit 7. Stored for completeness: nothing here raises NMI.</summary>
    public bool NmiMasked { get; private set; }

    /// <summary>Host access to CMOS RAM for configuration (no side effects, time registers raw).</summary>
    public byte this[int index]
    {
        get => _ram[index & 0x7F];
        set => _ram[index & 0x7F] = value;
    }

    /// <summary>The RTC's current date and time.</summary>
    public DateTime Now => Running ? TimeAt(_clock.NowNs) : TryDecodeTime(out var t) ? t : _baseTime;

    private bool Running => (_ram[RegisterB] & BSet) == 0;
    private bool Binary => (_ram[RegisterB] & BBinary) != 0;

    /// <summary>Sets the memory-size bytes the BIOS reads (KiB below 640K, KiB above 1 MiB) and the checksum.</summary>
    public void SetMemorySize(int baseKiB, int extendedKiB)
    {
        WriteWord(BaseMemoryLow, baseKiB);
        WriteWord(ExtendedMemoryLow, extendedKiB);
        WriteWord(ExtendedMemoryPostLow, extendedKiB);
        UpdateChecksum();
    }

    /// <summary>Recomputes the standard checksum over 0x10-0x2D into 0x2E (high) and 0x2F (low).</summary>
    public void UpdateChecksum()
    {
        int sum = 0;
        for (int i = 0x10; i <= 0x2D; i++)
            sum += _ram[i];
        _ram[ChecksumHigh] = (byte)(sum >> 8);
        _ram[ChecksumHigh + 1] = (byte)sum;
    }

    public long NextDeadlineNs
    {
        get
        {
            if ((_ram[RegisterC] & CIrqf) != 0)
                return long.MaxValue; // the line stays up until the guest reads C
            byte b = _ram[RegisterB];
            long next = long.MaxValue;
            if ((b & BPeriodicIe) != 0 && PeriodicShift() is int shift and > 0)
                next = NextPeriodicNs(_flagsSyncedNs, shift);
            if ((b & (BAlarmIe | BUpdateIe)) != 0 && Running)
                next = Math.Min(next, NextSecondNs(_flagsSyncedNs));
            return next;
        }
    }

    public void AdvanceTo(long nowNs) => SyncFlags(nowNs);

    protected override byte ReadByte(uint offset)
    {
        if (offset == 0)
            return 0xFF; // the index register is write-only on the AT
        long now = _clock.NowNs;
        SyncFlags(now);
        switch (_index)
        {
            case <= Year:
            case Century:
                RefreshTime(now);
                return _ram[_index];
            case RegisterA:
                return (byte)(_ram[RegisterA] | (UpdateInProgress(now) ? 0x80 : 0));
            case RegisterC:
                byte c = _ram[RegisterC];
                _ram[RegisterC] = 0;
                _irq?.Lower();
                _clock.NotifyDeadlineMoved(); // with IRQF clear the next interrupt is due again
                return c;
            default:
                return _ram[_index];
        }
    }

    protected override void WriteByte(uint offset, byte value)
    {
        if (offset == 0)
        {
            _index = value & 0x7F;
            NmiMasked = (value & 0x80) != 0;
            return;
        }
        long now = _clock.NowNs;
        SyncFlags(now);
        switch (_index)
        {
            case <= Year:
            case Century:
                WriteTimeRegister(_index, value, now);
                break;
            case RegisterA:
                // Bits 6-4 select the time base; a divider reset (110/111) would stop the clock, which
                // only matters to the factory: every value keeps the clock running here.
                _ram[RegisterA] = (byte)(value & 0x7F);
                break;
            case RegisterB:
                WriteRegisterB(value, now);
                break;
            case RegisterC:
            case RegisterD:
                break; // read-only
            default:
                _ram[_index] = value;
                break;
        }
        _clock.NotifyDeadlineMoved(); // a rate, an interrupt enable or the time itself may have changed
    }

    public override string RegisterName(uint offset, bool write) => offset == 0 ? "index" : _index switch
    {
        Seconds => "seconds",
        Minutes => "minutes",
        Hours => "hours",
        DayOfWeek => "day-of-week",
        DayOfMonth => "day",
        Month => "month",
        Year => "year",
        RegisterA => "status-a",
        RegisterB => "status-b",
        RegisterC => "status-c",
        RegisterD => "status-d",
        ShutdownStatus => "shutdown",
        Century => "century",
        _ => "ram",
    };

    private void WriteTimeRegister(int index, byte value, long now)
    {
        if (Running)
        {
            RefreshTime(now);
            _ram[index] = value;
            Rebase(now);
        }
        else
        {
            _ram[index] = value; // the clock is held; it takes the new time when SET clears
        }
    }

    private void WriteRegisterB(byte value, long now)
    {
        bool wasRunning = Running;
        if (wasRunning)
            RefreshTime(now);
        else if ((value & BSet) == 0)
            Rebase(now); // SET cleared: the clock starts from what the guest wrote (in the old format)
        // Setting SET also clears UIE (datasheet). A format change while running re-encodes the time
        // registers on the next read, where a real chip would leave stale bytes until they tick.
        if ((value & BSet) != 0)
            value &= unchecked((byte)~BUpdateIe);
        _ram[RegisterB] = value;
        SyncIrq();
    }

    private void Rebase(long now)
    {
        if (TryDecodeTime(out var time))
        {
            _baseTime = time;
            _baseNs = now;
        }
    }

    private DateTime TimeAt(long ns)
    {
        // The clock stops at the end of year 9999 rather than overflow DateTime.
        long ticks = _baseTime.Ticks + (ns - _baseNs) / NsPerTick;
        return new DateTime(Math.Clamp(ticks, 0, DateTime.MaxValue.Ticks));
    }

    private bool UpdateInProgress(long now) =>
        Running && TimeAt(now).Ticks % TimeSpan.TicksPerSecond * NsPerTick >= NsPerSecond - UpdateInProgressNs;

    private void RefreshTime(long now)
    {
        if (!Running)
            return;
        var t = TimeAt(now);
        _ram[Seconds] = Encode(t.Second);
        _ram[Minutes] = Encode(t.Minute);
        _ram[Hours] = EncodeHour(t.Hour);
        // The chip counts the day of week on its own; here it follows the date (1 = Sunday).
        _ram[DayOfWeek] = Encode((int)t.DayOfWeek + 1);
        _ram[DayOfMonth] = Encode(t.Day);
        _ram[Month] = Encode(t.Month);
        _ram[Year] = Encode(t.Year % 100);
        // 0x32 is the IBM century byte the BIOS keeps; kept in the same format as the clock (as QEMU).
        _ram[Century] = Encode(t.Year / 100);
    }

    private bool TryDecodeTime(out DateTime time)
    {
        time = default;
        int second = Decode(_ram[Seconds]);
        int minute = Decode(_ram[Minutes]);
        int hour = DecodeHour(_ram[Hours]);
        int day = Decode(_ram[DayOfMonth]);
        int month = Decode(_ram[Month]);
        int yy = Decode(_ram[Year]);
        int century = Decode(_ram[Century]);
        if (century is < 1 or > 99)
            century = 20;
        int year = century * 100 + yy;
        if (second > 59 || minute > 59 || hour is < 0 or > 23 || month is < 1 or > 12 || yy > 99
            || day < 1 || day > DateTime.DaysInMonth(year, month))
            return false;
        time = new DateTime(year, month, day, hour, minute, second);
        return true;
    }

    private byte Encode(int value) => Binary ? (byte)value : Bcd.Encode(value);

    private int Decode(byte value) => Binary ? value : Bcd.Decode(value);

    private byte EncodeHour(int hour)
    {
        if ((_ram[RegisterB] & B24Hour) != 0)
            return Encode(hour);
        int h12 = hour % 12 == 0 ? 12 : hour % 12;
        return (byte)(Encode(h12) | (hour >= 12 ? 0x80 : 0));
    }

    private int DecodeHour(byte value)
    {
        if ((_ram[RegisterB] & B24Hour) != 0)
            return Decode(value);
        int h12 = Decode((byte)(value & 0x7F));
        if (h12 is < 1 or > 12)
            return -1;
        return h12 % 12 + ((value & 0x80) != 0 ? 12 : 0);
    }

    // ---- register C flags ----

    private void SyncFlags(long now)
    {
        if (now <= _flagsSyncedNs)
            return;
        byte flags = 0;
        if (PeriodicShift() is int shift and > 0 && PeriodIndex(now, shift) > PeriodIndex(_flagsSyncedNs, shift))
            flags |= CPeriodic;
        if (Running && SecondIndex(now) > SecondIndex(_flagsSyncedNs))
        {
            flags |= CUpdate;
            RefreshTime(now);
            // Only the second reached now is compared with the alarm; a guest that let several
            // seconds pass unobserved may miss an alarm in between, which a running guest never does.
            if (AlarmMatches())
                flags |= CAlarm;
        }
        _flagsSyncedNs = now;
        _ram[RegisterC] |= flags;
        SyncIrq();
    }

    private void SyncIrq()
    {
        if ((_ram[RegisterC] & _ram[RegisterB] & (CPeriodic | CAlarm | CUpdate)) != 0)
            _ram[RegisterC] |= CIrqf;
        _irq?.Set((_ram[RegisterC] & CIrqf) != 0);
    }

    private bool AlarmMatches() =>
        AlarmField(SecondsAlarm, Seconds) && AlarmField(MinutesAlarm, Minutes) && AlarmField(HoursAlarm, Hours);

    /// <summary>An alarm byte with both top bits set is "don't care".</summary>
    private bool AlarmField(int alarm, int current) => (_ram[alarm] & 0xC0) == 0xC0 || _ram[alarm] == _ram[current];

    /// <summary>Periodic interrupt period as a power of two of the 32.768 kHz clock; 0 for none.
    /// Rates 1 and 2 are the datasheet's odd ones (3.90625 ms and 7.8125 ms).</summary>
    private int PeriodicShift()
    {
        int rate = _ram[RegisterA] & 0x0F;
        return rate switch { 0 => 0, 1 => 7, 2 => 8, _ => rate - 1 };
    }

    private static long PeriodIndex(long ns, int shift) => RateScale.Down(ns, NsPerSecond, 32768) >> shift;

    private static long NextPeriodicNs(long ns, int shift) =>
        RateScale.Up((PeriodIndex(ns, shift) + 1) << shift, 32768, NsPerSecond);

    /// <summary>Whole RTC seconds elapsed since the base, counting the base's own fraction of a second.</summary>
    private long SecondIndex(long ns) => Math.DivRem(BaseFractionNs + ns - _baseNs, NsPerSecond).Quotient;

    private long NextSecondNs(long ns) => _baseNs - BaseFractionNs + (SecondIndex(ns) + 1) * NsPerSecond;

    private long BaseFractionNs => _baseTime.Ticks % TimeSpan.TicksPerSecond * NsPerTick;

    private void WriteWord(int index, int value)
    {
        value = Math.Clamp(value, 0, 0xFFFF);
        _ram[index] = (byte)value;
        _ram[index + 1] = (byte)(value >> 8);
    }
}
