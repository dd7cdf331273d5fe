using Emu.Io.Bus;
using Emu.Io.Common;
using Emu.Io.Interrupts;

namespace Emu.Io.Serial;

/// <summary>
/// A National 16550A UART (COM1: ports 0x3F8-0x3FF, IRQ 4). Transmission is instantaneous: a byte
/// written to THR goes straight to <see cref="Output"/> (or, in loopback, into the receiver), so
/// THRE and TEMT always read 1; the THRE interrupt still follows the chip's rules (pending when THR
/// empties or when IER bit 1 is newly set; cleared by writing THR or by reading IIR that reports it).
/// Reception: the hypervisor hands host bytes to <see cref="EnqueueInput(ReadOnlySpan{byte})"/>; they
/// move into the receiver as it has room, so host input is flow-controlled and never overruns (only
/// a loopback sender can overrun, exactly as a too-fast line would).
/// On a PC the INTR pin reaches the PIC only while MCR OUT2 is set; in loopback the chip forces OUT2
/// inactive, so no interrupt is delivered then (the datasheet's behaviour; drivers poll in loopback tests).
/// </summary>
public sealed class Uart16550 : ByteRegisterDevice
{
    public const ushort Com1Port = 0x3F8;
    public const int Com1Irq = 4;
    public const int FifoSize = 16;

    /// <summary>The modem inputs of an attached, ready host: CTS, DSR and DCD asserted, no ring.</summary>
    private const byte HostModemLines = 0xB0;

    private static readonly int[] RxTriggerLevels = [1, 4, 8, 14];

    private readonly string _name;
    private readonly IrqLine? _irq;
    private readonly ByteRing _rx = new(FifoSize);
    // Made by the first host input: most runs send none, and Queue<byte> is JIT-compiled (not precompiled).
    private Queue<byte>? _hostInput;

    private byte _ier;
    private byte _lcr;
    private byte _mcr;
    private byte _scr;
    private byte _dll = 0x0C;
    private byte _dlm;
    private byte _lineErrors;   // LSR bits 1-4 (only OE can happen here), cleared by reading LSR
    private byte _modemLines = HostModemLines;
    private byte _modemDeltas;  // MSR bits 0-3, cleared by reading MSR
    private bool _fifoEnabled;
    private int _rxTrigger = 1;
    private bool _thrEmptyPending;

    public Uart16550(string name = "uart-com1", IrqLine? irq = null)
    {
        _name = name;
        _irq = irq;
    }

    public override string Name => _name;

    /// <summary>Where transmitted bytes go (the --serial sink). Called once per byte; must not block long.</summary>
    public Action<byte>? Output { get; set; }

    /// <summary>Host bytes not yet taken by the receiver.</summary>
    public int PendingInput => _hostInput?.Count ?? 0;

    /// <summary>Host input the guest has not read yet: queued, or in the receiver.</summary>
    public bool InputWaits => PendingInput > 0 || !_rx.IsEmpty;

    /// <summary>Baud rate from the divisor latch (115200 / divisor); 0 for a zero divisor.</summary>
    public int BaudRate => (_dlm << 8 | _dll) is var divisor and > 0 ? 115_200 / divisor : 0;

    private bool Dlab => (_lcr & 0x80) != 0;
    private bool Loopback => (_mcr & 0x10) != 0;
    private int RxCapacity => _fifoEnabled ? FifoSize : 1;

    /// <summary>Host input (call on the VM thread, e.g. when the run loop polls stdin).</summary>
    public void EnqueueInput(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
            (_hostInput ??= new()).Enqueue(b);
        PumpHostInput();
        UpdateIrq();
    }

    public void EnqueueInput(byte value) => EnqueueInput([value]);

    protected override byte ReadByte(uint offset)
    {
        byte value;
        switch (offset)
        {
            case 0:
                value = Dlab ? _dll : ReadRbr();
                break;
            case 1:
                value = Dlab ? _dlm : _ier;
                break;
            case 2:
                value = ReadIir();
                break;
            case 3:
                value = _lcr;
                break;
            case 4:
                value = _mcr;
                break;
            case 5:
                value = ReadLsr();
                break;
            case 6:
                value = (byte)(_modemLines | _modemDeltas);
                _modemDeltas = 0;
                break;
            default:
                value = _scr;
                break;
        }
        UpdateIrq();
        return value;
    }

    protected override void WriteByte(uint offset, byte value)
    {
        switch (offset)
        {
            case 0:
                if (Dlab)
                    _dll = value;
                else
                    WriteThr(value);
                break;
            case 1:
                if (Dlab)
                    _dlm = value;
                else
                    WriteIer(value);
                break;
            case 2:
                WriteFcr(value);
                break;
            case 3:
                _lcr = value;
                break;
            case 4:
                WriteMcr(value);
                break;
            case 5:
            case 6:
                break; // LSR and MSR writes are factory test hooks; ignored
            default:
                _scr = value;
                break;
        }
        UpdateIrq();
    }

    public override string RegisterName(uint offset, bool write) => offset switch
    {
        0 => Dlab ? "dll" : write ? "thr" : "rbr",
        1 => Dlab ? "dlm" : "ier",
        2 => write ? "fcr" : "iir",
        3 => "lcr",
        4 => "mcr",
        5 => "lsr",
        6 => "msr",
        _ => "scr",
    };

    private byte ReadRbr()
    {
        _rx.TryDequeue(out byte value);
        PumpHostInput();
        return value;
    }

    private void WriteThr(byte value)
    {
        if (Loopback)
            Receive(value);
        else
            Output?.Invoke(value);
        // Writing THR clears the THRE interrupt; the byte leaves at once, THR is empty again.
        _thrEmptyPending = true;
    }

    private void WriteIer(byte value)
    {
        bool enablingThre = (value & 0x02) != 0 && (_ier & 0x02) == 0;
        _ier = (byte)(value & 0x0F);
        if (enablingThre)
            _thrEmptyPending = true; // THR is empty, so enabling ETBEI raises THRE at once
    }

    private void WriteFcr(byte value)
    {
        bool enable = (value & 0x01) != 0;
        if (enable != _fifoEnabled)
            _rx.Clear(); // switching FIFO mode resets both FIFOs
        _fifoEnabled = enable;
        if (!enable)
            return; // the other FCR bits only take effect with the FIFO enable bit set
        if ((value & 0x02) != 0)
            _rx.Clear();
        // Bit 2 (clear transmit FIFO): the transmit FIFO is always empty here. Bit 3 (DMA mode): no DMA.
        _rxTrigger = RxTriggerLevels[value >> 6];
        PumpHostInput();
    }

    private void WriteMcr(byte value)
    {
        bool wasLoopback = Loopback;
        _mcr = (byte)(value & 0x1F);
        byte lines = Loopback ? LoopedModemLines(_mcr) : HostModemLines;
        byte changed = (byte)(lines ^ _modemLines);
        if ((changed & 0x10) != 0) _modemDeltas |= 0x01; // DCTS
        if ((changed & 0x20) != 0) _modemDeltas |= 0x02; // DDSR
        if ((changed & _modemLines & 0x40) != 0) _modemDeltas |= 0x04; // TERI: RI trailing edge
        if ((changed & 0x80) != 0) _modemDeltas |= 0x08; // DDCD
        _modemLines = lines;
        if (wasLoopback && !Loopback)
            PumpHostInput();
    }

    /// <summary>In loopback the modem outputs feed the inputs: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.</summary>
    private static byte LoopedModemLines(byte mcr) =>
        (byte)((mcr & 0x02) << 3 | (mcr & 0x01) << 5 | (mcr & 0x04) << 4 | (mcr & 0x08) << 4);

    private byte ReadLsr()
    {
        byte value = (byte)(0x60 | _lineErrors | (_rx.IsEmpty ? 0 : 0x01)); // THRE and TEMT always set
        _lineErrors = 0;
        return value;
    }

    private byte ReadIir()
    {
        byte id = InterruptId();
        if (id == 0x02)
            _thrEmptyPending = false; // reading IIR that reports THRE clears it
        return (byte)(id | (_fifoEnabled ? 0xC0 : 0));
    }

    /// <summary>
    /// The highest-priority pending interrupt as IIR bits 0-3 (1 = none). The character timeout
    /// (FIFO below its trigger level and no new data) is reported at once instead of after four
    /// character times: nothing more will arrive until the host enqueues it, so waiting gains nothing.
    /// </summary>
    private byte InterruptId()
    {
        if ((_ier & 0x04) != 0 && _lineErrors != 0)
            return 0x06;
        if ((_ier & 0x01) != 0 && !_rx.IsEmpty)
            return !_fifoEnabled || _rx.Count >= _rxTrigger ? (byte)0x04 : (byte)0x0C;
        if ((_ier & 0x02) != 0 && _thrEmptyPending)
            return 0x02;
        if ((_ier & 0x08) != 0 && _modemDeltas != 0)
            return 0x00;
        return 0x01;
    }

    private void Receive(byte value)
    {
        if (_rx.Count < RxCapacity)
        {
            _rx.TryEnqueue(value);
            return;
        }
        _lineErrors |= 0x02; // overrun
        // Without FIFO the new character overwrites the holding register; a full FIFO keeps its contents.
        if (!_fifoEnabled)
            _rx.ReplaceLast(value);
    }

    private void PumpHostInput()
    {
        if (Loopback)
            return; // the serial input pin is disconnected in loopback
        while (PendingInput > 0 && _rx.Count < RxCapacity)
            _rx.TryEnqueue(_hostInput!.Dequeue());
    }

    private void UpdateIrq()
    {
        bool outputEnabled = (_mcr & 0x08) != 0 && !Loopback;
        _irq?.Set(outputEnabled && InterruptId() != 0x01);
    }
}
