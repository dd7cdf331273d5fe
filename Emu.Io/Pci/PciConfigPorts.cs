using System.Buffers.Binary;
using Emu.Io.Bus;
using Emu.Io.Devices;

namespace Emu.Io.Pci;

/// <summary>
/// PCI configuration mechanism #1 on ports 0xCF8-0xCFF, for bus 0 only. A dword access to 0xCF8 is the
/// CONFIG_ADDRESS register (bit 31 enable, bus 23:16, device 15:11, function 10:8, register 7:2);
/// 0xCFC-0xCFF is the data window into the addressed dword, at any width and byte offset. Reads of an
/// absent function (or with the enable bit clear, or of another bus) return all ones, the master abort
/// value an OS uses to find empty slots. 0xCF9 is the PIIX reset control register.
/// </summary>
public sealed class PciConfigPorts : IIoDevice
{
    public const ushort BasePort = 0xCF8;
    public const uint Length = 8;

    private readonly IIoDevice?[] _functions = new IIoDevice?[32 * 8];
    private uint _address;
    private byte _resetControl;

    public string Name => "pci-config";

    /// <summary>Config address last written to 0xCF8.</summary>
    public uint ConfigAddress => _address;

    private readonly Action? _resetRequested;

    /// <param name="resetRequested">Called when the guest writes 0xCF9 with bit 2 (reset CPU) set: the machine resets.</param>
    public PciConfigPorts(Action? resetRequested = null)
    {
        _resetRequested = resetRequested;
        Declaration = new DeviceDeclaration(Name);
        Declaration.AddRegion(RegionSpace.Port, BasePort, Length, this);
        Declaration.AddRegion(RegionSpace.PciConfig, 0 << 3 | 0, PciFunction.ConfigSize, new I440FxHostBridge());
        Declaration.AddRegion(RegionSpace.PciConfig, 1 << 3 | 0, PciFunction.ConfigSize, new Piix3IsaBridge());
    }

    /// <summary>The PCI side of QEMU's <c>pc</c> machine as one device: these ports, the i440FX host bridge (00:00.0)
    /// and the PIIX3 ISA bridge (00:01.0), in front of which the IDE function (00:01.1) sits.</summary>
    public DeviceDeclaration Declaration { get; }

    /// <summary>Places a function's 256-byte configuration space at 00:device.function; configuration time only.</summary>
    public void Attach(int device, int function, IIoDevice pciFunction)
    {
        if (device is < 0 or > 31 || function is < 0 or > 7)
            throw new ArgumentOutOfRangeException(nameof(device), $"PCI 00:{device:X2}.{function} does not exist");
        if (_functions[device * 8 + function] is { } existing)
            throw new ArgumentException($"PCI 00:{device:X2}.{function} already holds {existing.Name}");
        _functions[device * 8 + function] = pciFunction;
    }

    /// <summary>Empties 00:device.function (the device was removed); reads there master-abort again.</summary>
    public void Detach(int device, int function)
    {
        if (device is >= 0 and <= 31 && function is >= 0 and <= 7)
            _functions[device * 8 + function] = null;
    }

    public IIoDevice? FunctionAt(int device, int function) =>
        device is >= 0 and <= 31 && function is >= 0 and <= 7 ? _functions[device * 8 + function] : null;

    public void Read(uint offset, Span<byte> data)
    {
        if (offset == 0 && data.Length == 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, _address);
            return;
        }
        if (offset >= 4)
        {
            var target = Target(out int register);
            if (target is null)
                data.Fill(0xFF);
            else
                target.Read((uint)register + offset - 4, data);
            return;
        }
        // Byte and word cycles at CF8-CFB are ordinary I/O: only the reset control register answers.
        for (int i = 0; i < data.Length; i++)
            data[i] = offset + i == 1 ? _resetControl : (byte)0xFF;
    }

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
        if (offset == 0 && data.Length == 4)
        {
            _address = BinaryPrimitives.ReadUInt32LittleEndian(data) & 0x80FF_FFFC;
            return;
        }
        if (offset >= 4)
        {
            Target(out int register)?.Write((uint)register + offset - 4, data);
            return;
        }
        for (int i = 0; i < data.Length; i++)
        {
            if (offset + i != 1)
                continue;
            _resetControl = (byte)(data[i] & 0x0A); // bit 1 hard/soft, bit 3 full reset are kept
            if ((data[i] & 0x04) != 0)
                _resetRequested?.Invoke();
        }
    }

    public string RegisterName(uint offset, bool write) => offset switch
    {
        0 => "config-address",
        1 => "reset-control",
        >= 4 and < 8 => $"config-data+{offset - 4}",
        _ => $"+{offset:X2}",
    };

    private IIoDevice? Target(out int register)
    {
        register = (int)(_address & 0xFC);
        if ((_address & 0x8000_0000) == 0 || ((_address >> 16) & 0xFF) != 0)
            return null;
        int device = (int)((_address >> 11) & 0x1F), function = (int)((_address >> 8) & 7);
        return _functions[device * 8 + function];
    }
}
