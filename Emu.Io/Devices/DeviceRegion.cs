using Emu.Io.Bus;

namespace Emu.Io.Devices;

/// <summary>
/// One window a device occupies: a port range, an MMIO range or a PCI function's configuration space, and the
/// registers behind it. The base of a window a guest can move (a PCI BAR) changes through
/// <see cref="DeviceDeclaration.Move"/>; <see cref="NotDecoded"/> while the window answers nowhere.
/// </summary>
public sealed class DeviceRegion(RegionSpace space, uint @base, uint length, IIoDevice device)
{
    /// <summary>The base of a window that does not decode (a BAR turned off or out of range).</summary>
    public const uint NotDecoded = 0xFFFF_FFFF;

    public RegionSpace Space { get; } = space;
    public uint Base { get; internal set; } = @base;
    public uint Length { get; } = length;
    public IIoDevice Device { get; } = device;
    public string Name => Device.Name;
    public bool Decoded => Base != NotDecoded;

    public override string ToString() => $"{Name} ({Space} {(Decoded ? $"{Base:X}" : "not decoded")}+{Length:X})";
}
