using System.Runtime.InteropServices;
using Emu.Io.Common;

namespace Emu.Io.Keyboard;

/// <summary>
/// The keyboard at the other end of the 8042's cable: answers the commands the guest sends through
/// port 0x60 and types scripted input. Replies to commands go first; scripted scancodes are offered
/// one at a time, only when the controller has room (a typist waiting for the machine, so nothing is
/// ever lost). Scancodes are produced in set 1 directly: the set-2-plus-translation path of a real AT
/// is not modelled, so "select scancode set" is acknowledged and ignored.
/// </summary>
public sealed class Ps2Keyboard
{
    public const byte Ack = 0xFA;
    public const byte Resend = 0xFE;
    public const byte SelfTestPassed = 0xAA;

    private readonly ByteRing _replies = new(8);
    // Made by the first scripted key: most runs type nothing, and Queue<byte> is JIT-compiled (not precompiled).
    private Queue<byte>? _script;
    private byte _awaitingParameterFor;
    private byte _lastSent = Ack;

    /// <summary>Scanning (F4/F5): a disabled keyboard sends replies but no keystrokes.</summary>
    public bool ScanningEnabled { get; private set; } = true;

    /// <summary>LED state from the last ED command (bit 0 scroll, 1 num, 2 caps lock).</summary>
    public byte Leds { get; private set; }

    public byte Typematic { get; private set; } = 0x2B;

    /// <summary>Scripted scancodes not yet delivered.</summary>
    public int PendingScancodes => _script?.Count ?? 0;

    public void EnqueueScancodes(ReadOnlySpan<byte> scancodes)
    {
        foreach (byte b in scancodes)
            (_script ??= new()).Enqueue(b);
    }

    public void EnqueueText(string text)
    {
        var codes = new List<byte>(text.Length * 4);
        ScancodeSet1.AppendText(text, codes);
        EnqueueScancodes(CollectionsMarshal.AsSpan(codes));
    }

    internal bool TryTakeOutput(out byte value)
    {
        if (!_replies.TryDequeue(out value))
        {
            if (!ScanningEnabled || _script is null || !_script.TryDequeue(out value))
                return false;
        }
        _lastSent = value;
        return true;
    }

    /// <summary>A byte from the host through the controller. <paramref name="translated"/>: the controller
    /// translates (command byte bit 6), which changes the second identify byte as on a real AT.</summary>
    internal void Receive(byte value, bool translated)
    {
        if (_awaitingParameterFor != 0)
        {
            ReceiveParameter(value);
            return;
        }
        switch (value)
        {
            case 0xFF: // reset and self-test; the typist's script survives, the reply queue does not
                _replies.Clear();
                ResetDefaults();
                Reply(Ack);
                Reply(SelfTestPassed);
                break;
            case 0xFE:
                Reply(_lastSent);
                break;
            case 0xF6: // set defaults
                ResetDefaults();
                Reply(Ack);
                break;
            case 0xF5: // default and disable
                _replies.Clear();
                ResetDefaults();
                ScanningEnabled = false;
                Reply(Ack);
                break;
            case 0xF4:
                _replies.Clear();
                ScanningEnabled = true;
                Reply(Ack);
                break;
            case 0xF2: // identify: MF2 keyboard, 0x83 becomes 0x41 through translation
                Reply(Ack);
                Reply(0xAB);
                Reply(translated ? (byte)0x41 : (byte)0x83);
                break;
            case 0xEE:
                Reply(0xEE);
                break;
            case 0xED:
            case 0xF3:
            case 0xF0:
                _awaitingParameterFor = value;
                Reply(Ack);
                break;
            case >= 0xF7 and <= 0xFD: // scancode-set-3 key attributes: accepted, meaningless in set 1
                Reply(Ack);
                break;
            default:
                Reply(Resend); // what a keyboard says to a command it does not know
                break;
        }
    }

    private void ReceiveParameter(byte value)
    {
        byte command = _awaitingParameterFor;
        _awaitingParameterFor = 0;
        switch (command)
        {
            case 0xED:
                Leds = (byte)(value & 0x07);
                Reply(Ack);
                break;
            case 0xF3:
                Typematic = (byte)(value & 0x7F);
                Reply(Ack);
                break;
            default: // F0: 0 asks for the current set (the keyboard's own, set 2), others select one
                Reply(Ack);
                if (value == 0)
                    Reply(0x02);
                break;
        }
    }

    private void ResetDefaults()
    {
        _awaitingParameterFor = 0;
        ScanningEnabled = true;
        Leds = 0;
        Typematic = 0x2B;
    }

    private void Reply(byte value) => _replies.TryEnqueue(value); // 8 bytes: more than any command produces
}
