using Emu.Cpu;
using Emu.Memory;

namespace Emu.Hypervisor.Firmware;

/// <summary>
/// The translation half of INT 09h: one set-1 scancode (read from port 60h by the guest handler)
/// becomes a scancode:ASCII word in the BDA keyboard buffer (US layout), or updates the shift state
/// in 0040:0017/0018/0096. Head, tail and the buffer's bounds are read from the BDA each time, as a
/// guest may move the buffer (0040:0080/0082); a bogus buffer description stores nothing.
/// </summary>
internal sealed class KeyboardService(Processor cpu, GuestMemory memory)
{
    private const uint Bda = 0x400;
    private const byte RightShift = 0x01, LeftShift = 0x02, Ctrl = 0x04, Alt = 0x08,
        ScrollLock = 0x10, NumLock = 0x20, CapsLock = 0x40, Insert = 0x80;
    private const byte Flags3E0 = 0x02;

    private GuestMemory Memory => memory;

    // Set-1 make codes 00h-58h: unshifted and shifted ASCII (0 = none).
    private const string Normal = "\0\u001b1234567890-=\b\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
    private const string Shifted = "\0\u001b!@#$%^&*()_+\b\tQWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";
    // Keypad 47h-53h with Num Lock (or shift) on.
    private const string KeypadDigits = "789-456+1230.";

    /// <summary>Called with the scancode in BL.</summary>
    public void Handle()
    {
        byte code = (byte)cpu.BX;
        byte flags3 = Memory.Read8(Bda + 0x96);
        bool e0 = (flags3 & Flags3E0) != 0;
        if (code == 0xE0 || code == 0xE1)
        {
            Memory.Write8(Bda + 0x96, (byte)(flags3 | Flags3E0));
            return;
        }
        Memory.Write8(Bda + 0x96, (byte)(flags3 & ~Flags3E0));
        bool release = (code & 0x80) != 0;
        byte make = (byte)(code & 0x7F);
        byte shift = Memory.Read8(Bda + 0x17);
        byte shift2 = Memory.Read8(Bda + 0x18);

        switch (make)
        {
            case 0x2A when !e0: // left shift (E0 2A is a fake shift around grey keys)
                SetShift(LeftShift, !release);
                return;
            case 0x36 when !e0:
                SetShift(RightShift, !release);
                return;
            case 0x2A or 0x36:
                return;
            case 0x1D:
                SetShift(Ctrl, !release);
                SetShift2(e0 ? (byte)0 : (byte)0x01, !release);
                return;
            case 0x38:
                SetShift(Alt, !release);
                SetShift2(e0 ? (byte)0 : (byte)0x02, !release);
                return;
            case 0x3A:
                Toggle(CapsLock, 0x40, release);
                return;
            case 0x45 when !e0:
                Toggle(NumLock, 0x20, release);
                return;
            case 0x46 when !e0:
                Toggle(ScrollLock, 0x10, release);
                return;
        }
        if (release)
        {
            if (make == 0x52)
                SetShift2(0x80, false);
            return;
        }
        if (make == 0x52 && (shift2 & 0x80) == 0)
        {
            Memory.Write8(Bda + 0x17, (byte)(shift ^ Insert));
            SetShift2(0x80, true);
        }
        if (Translate(make, e0, shift) is ushort key)
            Store(key);
    }

    private static ushort? Translate(byte make, bool e0, byte shift)
    {
        bool shifted = (shift & (LeftShift | RightShift)) != 0;
        bool ctrl = (shift & Ctrl) != 0, alt = (shift & Alt) != 0;
        if (e0)
        {
            return make switch
            {
                0x1C => (ushort)(ctrl ? 0xE00A : alt ? 0xA600 : 0xE00D), // keypad Enter
                0x35 => (ushort)(ctrl ? 0x9500 : alt ? 0xA400 : 0xE02F), // keypad /
                >= 0x47 and <= 0x53 and not (0x4A or 0x4C or 0x4E) =>
                    (ushort)(alt ? (make + 0x50) << 8 : ctrl ? CtrlGrey(make) << 8 | 0xE0 : make << 8 | 0xE0),
                _ => null,
            };
        }
        if (make is >= 0x3B and <= 0x44) // F1-F10
            return (ushort)((alt ? make + 0x2D : ctrl ? make + 0x23 : shifted ? make + 0x19 : make) << 8);
        if (make is 0x57 or 0x58) // F11, F12 (101-key only)
            return (ushort)((make + (alt ? 0x34 : ctrl ? 0x32 : shifted ? 0x30 : 0x2E)) << 8);
        if (make is >= 0x47 and <= 0x53)
        {
            char digit = KeypadDigits[make - 0x47];
            bool numbers = ((shift & NumLock) != 0) != shifted;
            if (alt || ctrl)
                return make is 0x4A or 0x4E ? (ushort)(make << 8 | digit) : null;
            if (numbers || make is 0x4A or 0x4E)
                return (ushort)(make << 8 | digit);
            return (ushort)(make << 8);
        }
        if (make >= Normal.Length)
            return null;
        char plain = Normal[make];
        if (plain == '\0')
            return null;
        bool letter = plain is >= 'a' and <= 'z';
        if (alt)
        {
            if (make is >= 0x02 and <= 0x0D)
                return (ushort)((make + 0x76) << 8); // Alt-1 ... Alt-=
            return (ushort)(make << 8);
        }
        if (ctrl)
        {
            if (letter)
                return (ushort)(make << 8 | (plain - 'a' + 1));
            return plain switch
            {
                '[' => (ushort)(make << 8 | 0x1B),
                '\\' => (ushort)(make << 8 | 0x1C),
                ']' => (ushort)(make << 8 | 0x1D),
                '6' => (ushort)(make << 8 | 0x1E),
                '-' => (ushort)(make << 8 | 0x1F),
                '2' => (ushort)(make << 8),
                '\r' => (ushort)(make << 8 | 0x0A),
                '\b' => (ushort)(make << 8 | 0x7F),
                '\u001b' => (ushort)(make << 8 | 0x1B),
                '\t' => 0x9400,
                ' ' => 0x3920,
                _ => null,
            };
        }
        bool upper = shifted;
        if (letter && (shift & CapsLock) != 0)
            upper = !upper;
        if (plain == '\t' && shifted)
            return 0x0F00;
        char ch = letter ? (upper ? Shifted[make] : plain) : (shifted ? Shifted[make] : plain);
        return (ushort)(make << 8 | ch);
    }

    private static int CtrlGrey(byte make) => make switch
    {
        0x47 => 0x77, 0x48 => 0x8D, 0x49 => 0x84, 0x4B => 0x73, 0x4D => 0x74,
        0x4F => 0x75, 0x50 => 0x91, 0x51 => 0x76, 0x52 => 0x92, 0x53 => 0x93, _ => make,
    };

    private void SetShift(byte bit, bool down)
    {
        byte shift = Memory.Read8(Bda + 0x17);
        Memory.Write8(Bda + 0x17, (byte)(down ? shift | bit : shift & ~bit));
    }

    private void SetShift2(byte bit, bool down)
    {
        byte shift = Memory.Read8(Bda + 0x18);
        Memory.Write8(Bda + 0x18, (byte)(down ? shift | bit : shift & ~bit));
    }

    // A lock key toggles on its make code (not while it auto-repeats) and tracks "held" in 0040:0018.
    private void Toggle(byte lockBit, byte heldBit, bool release)
    {
        byte held = Memory.Read8(Bda + 0x18);
        if (release)
        {
            SetShift2(heldBit, false);
            return;
        }
        if ((held & heldBit) != 0)
            return;
        SetShift2(heldBit, true);
        byte shift = Memory.Read8(Bda + 0x17);
        Memory.Write8(Bda + 0x17, (byte)(shift ^ lockBit));
    }

    /// <summary>Keys in the BDA buffer that INT 16h has not handed out yet.</summary>
    public bool HasBufferedKeys => Memory.Read16(Bda + 0x1A) != Memory.Read16(Bda + 0x1C);

    /// <summary>Appends a key to the ring at 0040:[0080]..[0082]; a full (or nonsensical) buffer drops it.</summary>
    private void Store(ushort key)
    {
        ushort start = Memory.Read16(Bda + 0x80), end = Memory.Read16(Bda + 0x82);
        ushort head = Memory.Read16(Bda + 0x1A), tail = Memory.Read16(Bda + 0x1C);
        if (start >= end || end - start < 4 || tail < start || tail + 2 > end || (end - start) % 2 != 0)
            return;
        int next = tail + 2;
        if (next >= end)
            next = start;
        if (next == head)
            return;
        Memory.Write16(Bda + tail, key);
        Memory.Write16(Bda + 0x1C, (ushort)next);
    }
}
