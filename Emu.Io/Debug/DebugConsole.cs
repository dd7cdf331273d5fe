using Emu.Io.Bus;

namespace Emu.Io.Debug;

/// <summary>
/// The Bochs/QEMU debug console on port 0xE9: every byte written goes to <see cref="Output"/>;
/// reads return 0xE9 so a guest can detect the port. No state, no allocation.
/// </summary>
public sealed class DebugConsole : IIoDevice
{
    public const ushort DefaultPort = 0xE9;

    public string Name => "debugcon";

    public Action<byte>? Output { get; set; }

    public void Read(uint offset, Span<byte> data) => data.Fill(0xE9);

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
        // A wide OUT to an 8-bit ISA port reaches it as successive bytes; each is a character.
        foreach (byte b in data)
            Output?.Invoke(b);
    }

    public string RegisterName(uint offset, bool write) => "data";
}
