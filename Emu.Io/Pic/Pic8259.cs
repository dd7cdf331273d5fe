using Emu.Io.Bus;

namespace Emu.Io.Pic;

/// <summary>
/// One Intel 8259A programmable interrupt controller: two ports (offset 0: ICW1/OCW2/OCW3 and
/// IRR/ISR/poll; offset 1: ICW2-4/OCW1 and IMR). <see cref="PicPair"/> wires two of them as on
/// the PC/AT; the pair, not the chip, talks to the CPU.
/// Priority is kept as in the real chip: a rotating "lowest priority" position, so IR0 is highest
/// after initialisation and the rotate commands move it.
/// </summary>
internal sealed class Pic8259 : ByteRegisterDevice
{
    private readonly string _name;
    private byte _irr;
    private byte _isr;
    private byte _imr;
    private byte _pinLevels;
    private byte _vectorBase;
    private byte _icw3;
    private int _priorityAdd;   // the IR with the highest priority
    private int _initStep;      // 0: operational; 2, 3, 4: the ICW expected next on port 1
    private bool _needIcw4;
    private bool _singleMode;
    private bool _levelTriggered;
    private bool _autoEoi;
    private bool _rotateOnAutoEoi;
    private bool _specialFullyNested;
    private bool _specialMask;
    private bool _readIsr;
    private bool _poll;

    internal Pic8259(string name, bool isMaster)
    {
        _name = name;
        IsMaster = isMaster;
    }

    public override string Name => _name;

    /// <summary>Machine reset: back to the power-on state (not initialised, nothing requested, in service or masked),
    /// so that POST's ICW sequence starts from scratch. The input pins keep the levels the devices drive.</summary>
    internal void Reset()
    {
        _irr = _isr = _imr = _vectorBase = _icw3 = 0;
        _priorityAdd = _initStep = 0;
        _needIcw4 = _singleMode = _levelTriggered = _autoEoi = _rotateOnAutoEoi = false;
        _specialFullyNested = _specialMask = _readIsr = _poll = false;
        IsInitialized = false;
        Changed?.Invoke();
    }

    public bool IsMaster { get; }

    /// <summary>False from power-on until a complete ICW1..ICW2(..ICW4) sequence; the chip raises no INTR before.</summary>
    public bool IsInitialized { get; private set; }

    public byte InterruptRequests => _irr;
    public byte InService => _isr;
    public byte Mask => _imr;
    public byte VectorBase => _vectorBase;

    /// <summary>Told after every register access that may have changed the chip's output.</summary>
    internal Action? Changed { get; set; }

    /// <summary>The INT output: an unmasked request of higher priority than everything in service.</summary>
    public bool Output => IsInitialized && PendingIrq() >= 0;

    /// <summary>True when IR <paramref name="irq"/> is programmed (ICW3) to have a slave behind it.</summary>
    internal bool IsCascadeInput(int irq) => IsMaster && !_singleMode && (_icw3 & (1 << irq)) != 0;

    /// <summary>
    /// Drives input pin <paramref name="irq"/>. Edge mode latches a request on a rising edge and keeps
    /// it until acknowledged even if the pin drops (the 8259A datasheet asks devices to hold the line
    /// until INTA; latching, as QEMU does, is kind to devices that pulse). Level mode follows the pin.
    /// </summary>
    internal void SetInput(int irq, bool level)
    {
        byte bit = (byte)(1 << irq);
        bool wasHigh = (_pinLevels & bit) != 0;
        if (level)
        {
            _pinLevels |= bit;
            if (_levelTriggered || !wasHigh)
                _irr |= bit;
        }
        else
        {
            _pinLevels &= (byte)~bit;
            if (_levelTriggered)
                _irr &= (byte)~bit;
        }
    }

    /// <summary>The IR the chip would deliver now, or -1.</summary>
    internal int PendingIrq()
    {
        int priority = HighestPriority((byte)(_irr & ~_imr));
        if (priority == 8)
            return -1;
        byte inService = _isr;
        // Special mask mode: a masked level in service does not block lower levels.
        if (_specialMask)
            inService &= (byte)~_imr;
        // Special fully nested mode: the master lets a higher slave request through the cascade input in service.
        if (_specialFullyNested && IsMaster)
            inService &= unchecked((byte)~(1 << 2));
        return priority < HighestPriority(inService) ? (priority + _priorityAdd) & 7 : -1;
    }

    /// <summary>
    /// Whether a request on IR <paramref name="irq"/> could be delivered without the CPU first changing this
    /// chip's state: initialised, not masked, and of higher priority than what is in service. The hypervisor
    /// asks it to tell a guest that halted waiting for a masked timer from one that will wake.
    /// </summary>
    public bool CouldDeliver(int irq)
    {
        if (!IsInitialized || (_imr & (1 << irq)) != 0)
            return false;
        byte inService = _isr;
        if (_specialMask)
            inService &= (byte)~_imr;
        if (_specialFullyNested && IsMaster)
            inService &= unchecked((byte)~(1 << 2));
        return HighestPriority((byte)(1 << irq)) < HighestPriority(inService);
    }

    /// <summary>The INTA cycle for <paramref name="irq"/>: in service (unless auto-EOI), request cleared.</summary>
    internal void Acknowledge(int irq)
    {
        byte bit = (byte)(1 << irq);
        if (_autoEoi)
        {
            if (_rotateOnAutoEoi)
                _priorityAdd = (irq + 1) & 7;
        }
        else
        {
            _isr |= bit;
        }
        if (!_levelTriggered)
            _irr &= (byte)~bit;
    }

    protected override byte ReadByte(uint offset)
    {
        if ((offset & 1) != 0)
            return _imr;
        if (_poll)
            return PollRead();
        return _readIsr ? _isr : _irr;
    }

    protected override void WriteByte(uint offset, byte value)
    {
        if ((offset & 1) == 0)
            WriteCommand(value);
        else
            WriteData(value);
        Changed?.Invoke();
    }

    public override string RegisterName(uint offset, bool write) =>
        (offset & 1) == 0 ? (write ? "command" : (_poll ? "poll" : _readIsr ? "isr" : "irr")) : (write && _initStep != 0 ? "icw" : "imr");

    private void WriteCommand(byte value)
    {
        if ((value & 0x10) != 0)
            Icw1(value);
        else if ((value & 0x08) != 0)
            Ocw3(value);
        else
            Ocw2(value);
    }

    private void Icw1(byte value)
    {
        // The datasheet: mask cleared, IR7 lowest priority, special mask mode off, status read = IRR,
        // and the edge sense latch reset: an input already high must go low and high again.
        _needIcw4 = (value & 0x01) != 0;
        _singleMode = (value & 0x02) != 0;
        _levelTriggered = (value & 0x08) != 0;
        _imr = 0;
        _isr = 0;
        _irr = 0;
        _priorityAdd = 0;
        _specialMask = false;
        _readIsr = false;
        _poll = false;
        // Without ICW4 its functions default to zero. (Its bit 0, 8086 mode, is assumed regardless:
        // the MCS-80 CALL sequence has no meaning on an x86.)
        _autoEoi = false;
        _specialFullyNested = false;
        _rotateOnAutoEoi = false;
        _initStep = 2;
        IsInitialized = false;
    }

    private void WriteData(byte value)
    {
        switch (_initStep)
        {
            case 2:
                _vectorBase = (byte)(value & 0xF8);
                _initStep = _singleMode ? (_needIcw4 ? 4 : 0) : 3;
                break;
            case 3:
                _icw3 = value;
                _initStep = _needIcw4 ? 4 : 0;
                break;
            case 4:
                // Bits 2-3 (buffered mode) only matter to the board's bus transceivers.
                _autoEoi = (value & 0x02) != 0;
                _specialFullyNested = (value & 0x10) != 0;
                _initStep = 0;
                break;
            default:
                _imr = value; // OCW1
                return;
        }
        if (_initStep == 0)
            IsInitialized = true;
    }

    private void Ocw2(byte value)
    {
        int level = value & 7;
        switch (value >> 5)
        {
            case 0: // rotate in automatic EOI mode: clear
                _rotateOnAutoEoi = false;
                break;
            case 4: // rotate in automatic EOI mode: set
                _rotateOnAutoEoi = true;
                break;
            case 1: // non-specific EOI
            case 5: // rotate on non-specific EOI
                int priority = HighestPriority(_isr);
                if (priority != 8)
                {
                    int irq = (priority + _priorityAdd) & 7;
                    _isr &= (byte)~(1 << irq);
                    if (value >> 5 == 5)
                        _priorityAdd = (irq + 1) & 7;
                }
                break;
            case 3: // specific EOI
                _isr &= (byte)~(1 << level);
                break;
            case 7: // rotate on specific EOI
                _isr &= (byte)~(1 << level);
                _priorityAdd = (level + 1) & 7;
                break;
            case 6: // set priority: the given level becomes the lowest
                _priorityAdd = (level + 1) & 7;
                break;
            default: // 2: no operation
                break;
        }
    }

    private void Ocw3(byte value)
    {
        if ((value & 0x04) != 0)
            _poll = true;
        if ((value & 0x02) != 0)
            _readIsr = (value & 0x01) != 0;
        if ((value & 0x40) != 0)
            _specialMask = (value & 0x20) != 0;
    }

    /// <summary>Poll mode: the read acts as an INTA and returns 0x80 | level, or 0 when nothing is pending.</summary>
    private byte PollRead()
    {
        _poll = false;
        int irq = PendingIrq();
        if (irq < 0)
            return 0;
        Acknowledge(irq);
        Changed?.Invoke();
        return (byte)(0x80 | irq);
    }

    /// <summary>Priority rank (0 highest) of the best bit in <paramref name="mask"/>, 8 if none.</summary>
    private int HighestPriority(byte mask)
    {
        if (mask == 0)
            return 8;
        int rank = 0;
        while ((mask & (1 << ((rank + _priorityAdd) & 7))) == 0)
            rank++;
        return rank;
    }
}
