using System.Buffers.Binary;
using Emu.Io.Bus;

namespace Emu.Io.Pci;

/// <summary>
/// One PCI function's 256-byte type-0 configuration space. Each byte has a write mask, so read-only
/// identification fields and hard-wired bits need no code; a subclass reacts to the writes it cares
/// about in <see cref="OnConfigWritten"/>.
/// </summary>
internal class PciFunction : IIoDevice
{
    public const int ConfigSize = 256;
    public const int VendorId = 0x00, DeviceId = 0x02, Command = 0x04, Status = 0x06, Revision = 0x08,
        ProgIf = 0x09, SubClass = 0x0A, ClassCode = 0x0B, HeaderType = 0x0E, Bar0 = 0x10, InterruptLine = 0x3C,
        InterruptPin = 0x3D;
    public const ushort CommandIo = 0x0001, CommandMemory = 0x0002, CommandBusMaster = 0x0004;

    private readonly byte[] _config = new byte[ConfigSize];
    private readonly byte[] _writable = new byte[ConfigSize];

    public PciFunction(string name, ushort vendor, ushort device, byte classCode, byte subClass, byte progIf,
        byte revision = 0, bool multiFunction = false)
    {
        Name = name;
        SetWord(VendorId, vendor);
        SetWord(DeviceId, device);
        _config[Revision] = revision;
        _config[ProgIf] = progIf;
        _config[SubClass] = subClass;
        _config[ClassCode] = classCode;
        _config[HeaderType] = (byte)(multiFunction ? 0x80 : 0x00);
        Writable(InterruptLine, 1);
    }

    public string Name { get; }

    /// <summary>The raw configuration bytes (for tests and for the hypervisor's own setup).</summary>
    public ReadOnlySpan<byte> Config => _config;

    public ushort CommandRegister => ReadWord(Command);

    // As the configuration ports see it: a window of 256 bytes like any device's registers.
    void IIoDevice.Read(uint offset, Span<byte> data) => ReadConfig((int)offset, data);

    void IIoDevice.Write(uint offset, ReadOnlySpan<byte> data) => WriteConfig((int)offset, data);

    /// <summary>A guest configuration read of <paramref name="data"/>.Length bytes at <paramref name="offset"/>.</summary>
    public void ReadConfig(int offset, Span<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
            data[i] = offset + i < ConfigSize ? _config[offset + i] : (byte)0xFF;
    }

    /// <summary>A guest configuration write: only the writable bits of each byte change.</summary>
    public void WriteConfig(int offset, ReadOnlySpan<byte> data)
    {
        int n = Math.Clamp(ConfigSize - offset, 0, data.Length);
        for (int i = 0; i < n; i++)
        {
            byte mask = _writable[offset + i];
            _config[offset + i] = (byte)((_config[offset + i] & ~mask) | (data[i] & mask));
        }
        if (n > 0)
            OnConfigWritten(offset, n);
    }

    /// <summary>Called after a guest write to [offset, offset+length).</summary>
    protected virtual void OnConfigWritten(int offset, int length)
    {
    }

    protected static bool Touches(int offset, int length, int field, int fieldLength) =>
        offset < field + fieldLength && field < offset + length;

    protected void Writable(int offset, int length, byte mask = 0xFF)
    {
        // A loop rather than Span.Fill, whose code is JIT-compiled (not precompiled) at every start.
        for (int i = offset; i < offset + length; i++)
            _writable[i] = mask;
    }

    protected void WritableWord(int offset, ushort mask)
    {
        _writable[offset] = (byte)mask;
        _writable[offset + 1] = (byte)(mask >> 8);
    }

    protected void WritableDword(int offset, uint mask) => BinaryPrimitives.WriteUInt32LittleEndian(_writable.AsSpan(offset), mask);

    protected void SetWord(int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_config.AsSpan(offset), value);

    protected void SetDword(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(offset), value);

    protected ushort ReadWord(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(_config.AsSpan(offset));

    protected uint ReadDword(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_config.AsSpan(offset));
}

/// <summary>The i440FX host bridge at 00:00.0, as in QEMU's <c>pc</c> machine (identification only).</summary>
internal sealed class I440FxHostBridge : PciFunction
{
    public I440FxHostBridge()
        : base("i440fx", 0x8086, 0x1237, classCode: 0x06, subClass: 0x00, progIf: 0x00, revision: 0x02)
    {
        SetWord(Command, CommandMemory | CommandIo);
        SetWord(Status, 0x0280); // fast back-to-back, DEVSEL medium
    }
}

/// <summary>
/// The PIIX3 PCI-to-ISA bridge at 00:01.0 (identification only). It must be present: enumeration
/// looks at function 0 of a device first, and only a multi-function header there (bit 7 of the header
/// type) makes an OS probe 00:01.1, where the IDE function lives.
/// </summary>
internal sealed class Piix3IsaBridge : PciFunction
{
    public Piix3IsaBridge()
        : base("piix3-isa", 0x8086, 0x7000, classCode: 0x06, subClass: 0x01, progIf: 0x00, multiFunction: true)
    {
        SetWord(Command, CommandMemory | CommandIo | CommandBusMaster);
        SetWord(Status, 0x0200);
    }
}
