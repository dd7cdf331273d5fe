namespace Emu.Io.Devices;

/// <summary>What kind of address a device region decodes (also its value on the device protocol's wire).</summary>
public enum RegionSpace : byte
{
    Port = 1,
    Mmio = 2,
    /// <summary>A PCI function's configuration space; the base is device &lt;&lt; 3 | function on bus 0.</summary>
    PciConfig = 3,
}
