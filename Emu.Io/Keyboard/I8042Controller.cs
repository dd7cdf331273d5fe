using Emu.Io.Bus;
using Emu.Io.Common;
using Emu.Io.Interrupts;
using Emu.Memory;

namespace Emu.Io.Keyboard;

/// <summary>
/// The AT keyboard controller (Intel 8042): data port 0x60, status/command port 0x64, IRQ 1, with
/// the keyboard behind it (<see cref="Keyboard"/>). Register it twice with device offsets: 0x60
/// at offset <see cref="DataOffset"/> and 0x64 at offset <see cref="CommandOffset"/> (port 0x61 in
/// between belongs to the PIT's port B). Commands execute at once, so IBF always reads 0.
/// The output port's bit 1 is the A20 gate (GuestMemory.A20Enabled) and bit 0 the CPU reset line
/// (<see cref="ResetRequested"/>). No auxiliary (mouse) device is attached: aux commands are accepted
/// and no aux byte ever arrives.
/// </summary>
public sealed class I8042Controller : ByteRegisterDevice
{
    public const ushort DataPort = 0x60;
    public const ushort CommandPort = 0x64;
    public const uint DataOffset = 0;
    public const uint CommandOffset = 4;
    public const int Irq = 1;

    // Status register bits.
    private const byte StatusOutputFull = 0x01, StatusSystem = 0x04, StatusCommand = 0x08, StatusNotInhibited = 0x10;
    // Command byte bits.
    private const byte CmdKeyboardIrq = 0x01, CmdSystem = 0x04, CmdKeyboardDisabled = 0x10, CmdAuxDisabled = 0x20, CmdTranslate = 0x40;

    private readonly GuestMemory _memory;
    private readonly IrqLine? _irq;
    private readonly ByteRing _controllerReplies = new(4);
    // Internal RAM: byte 0 is the command byte; commands 0x20-0x3F/0x60-0x7F read/write all 32.
    private readonly byte[] _ram = new byte[32];
    private byte _status = StatusNotInhibited;
    private byte _outputBuffer;
    private byte _pendingCommand;
    private byte _outputPortHigh = 0xC0; // keyboard clock and data lines idle high

    public I8042Controller(GuestMemory memory, IrqLine? irq1 = null)
    {
        _memory = memory;
        _irq = irq1;
        // Power-on: keyboard IRQ and translation on, SYS clear (a cold boot; the BIOS sets it after POST).
        _ram[0] = CmdKeyboardIrq | CmdTranslate;
    }

    public override string Name => "i8042";

    public Ps2Keyboard Keyboard { get; } = new();

    /// <summary>The guest pulsed the CPU reset line (command 0xFE, or output port bit 0 cleared).</summary>
    public Action? ResetRequested { get; init; }

    public byte CommandByte => _ram[0];

    /// <summary>Scripted keystrokes the guest has not read yet: in the keyboard, or in the output buffer.</summary>
    public bool InputWaits => Keyboard.PendingScancodes > 0 || (_status & StatusOutputFull) != 0;

    /// <summary>Types <paramref name="text"/> (US layout, "\n" = Enter) as set-1 make/break scancodes.</summary>
    public void EnqueueText(string text)
    {
        Keyboard.EnqueueText(text);
        Deliver();
    }

    public void EnqueueScancodes(ReadOnlySpan<byte> scancodes)
    {
        Keyboard.EnqueueScancodes(scancodes);
        Deliver();
    }

    protected override byte ReadByte(uint offset)
    {
        switch (offset)
        {
            case DataOffset:
                byte value = _outputBuffer; // with OBF clear this is the stale last byte, as on the chip
                _status &= unchecked((byte)~StatusOutputFull);
                UpdateIrq();
                Deliver();
                return value;
            case CommandOffset:
                return _status;
            default:
                return 0xFF;
        }
    }

    protected override void WriteByte(uint offset, byte value)
    {
        if (offset == DataOffset)
        {
            _status &= unchecked((byte)~StatusCommand);
            WriteData(value);
        }
        else if (offset == CommandOffset)
        {
            _status |= StatusCommand;
            WriteCommand(value);
        }
        Deliver();
    }

    public override string RegisterName(uint offset, bool write) =>
        offset == DataOffset ? "data" : write ? "command" : "status";

    private void WriteCommand(byte command)
    {
        _pendingCommand = 0;
        switch (command)
        {
            case >= 0x20 and <= 0x3F:
                Reply(_ram[command & 0x1F]);
                break;
            case >= 0x60 and <= 0x7F:
            case 0xD1: // write output port
            case 0xD2: // write keyboard output buffer
            case 0xD3: // write aux output buffer
            case 0xD4: // write to aux device
                _pendingCommand = command;
                break;
            case 0xA7:
                _ram[0] |= CmdAuxDisabled;
                break;
            case 0xA8:
                _ram[0] &= unchecked((byte)~CmdAuxDisabled);
                break;
            case 0xA9: // aux interface test: the lines are fine (nothing is plugged in)
            case 0xAB: // keyboard interface test
                Reply(0x00);
                break;
            case 0xAA: // controller self-test; passing it sets the system flag
                _status |= StatusSystem;
                Reply(0x55);
                break;
            case 0xAD:
                _ram[0] |= CmdKeyboardDisabled;
                break;
            case 0xAE:
                _ram[0] &= unchecked((byte)~CmdKeyboardDisabled);
                break;
            case 0xC0: // input port: keyboard not inhibited, no manufacturing jumper
                Reply(0xA0);
                break;
            case 0xD0:
                Reply(OutputPort);
                break;
            case 0xDD: // A20 off / on (HP Vectra extension, widely supported)
                _memory.A20Enabled = false;
                break;
            case 0xDF:
                _memory.A20Enabled = true;
                break;
            case 0xE0: // test inputs: clock and data low
                Reply(0x00);
                break;
            case >= 0xF0:
                // Pulse output port bits whose command bit is 0 for 6 us; bit 0 is the reset line.
                if ((command & 0x01) == 0)
                    ResetRequested?.Invoke();
                break;
            default:
                break; // vendor commands: ignored
        }
        UpdateIrq();
    }

    private void WriteData(byte value)
    {
        byte command = _pendingCommand;
        _pendingCommand = 0;
        switch (command)
        {
            case 0:
                // A byte for the keyboard; sending it re-enables the keyboard interface (as the chip does).
                _ram[0] &= unchecked((byte)~CmdKeyboardDisabled);
                Keyboard.Receive(value, (_ram[0] & CmdTranslate) != 0);
                break;
            case 0x60:
                WriteCommandByte(value);
                break;
            case > 0x60 and <= 0x7F:
                _ram[command & 0x1F] = value;
                break;
            case 0xD1:
                WriteOutputPort(value);
                break;
            case 0xD2:
                Reply(value);
                break;
            default:
                break; // D3/D4: to or from the absent aux device
        }
    }

    private void WriteCommandByte(byte value)
    {
        _ram[0] = value;
        if ((value & CmdSystem) != 0)
            _status |= StatusSystem;
        else
            _status &= unchecked((byte)~StatusSystem);
        UpdateIrq();
    }

    private byte OutputPort =>
        (byte)(_outputPortHigh | 0x01 | (_memory.A20Enabled ? 0x02 : 0) | ((_status & StatusOutputFull) != 0 ? 0x10 : 0));

    private void WriteOutputPort(byte value)
    {
        _outputPortHigh = (byte)(value & 0xC0);
        _memory.A20Enabled = (value & 0x02) != 0;
        if ((value & 0x01) == 0)
            ResetRequested?.Invoke();
    }

    private void Reply(byte value) => _controllerReplies.TryEnqueue(value);

    /// <summary>Moves the next byte into an empty output buffer: controller replies first, then the keyboard's.</summary>
    private void Deliver()
    {
        if ((_status & StatusOutputFull) != 0)
            return;
        if (!_controllerReplies.TryDequeue(out byte value))
        {
            if ((_ram[0] & CmdKeyboardDisabled) != 0 || !Keyboard.TryTakeOutput(out value))
                return;
        }
        _outputBuffer = value;
        _status |= StatusOutputFull;
        UpdateIrq();
    }

    private void UpdateIrq() =>
        _irq?.Set((_status & StatusOutputFull) != 0 && (_ram[0] & CmdKeyboardIrq) != 0);
}
