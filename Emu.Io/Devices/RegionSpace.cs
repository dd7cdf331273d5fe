namespace Emu.Io.Devices;

/// <summary>What kind of address a device region decodes (also its value on the device protocol's wire).</summary>
public enum RegionSpace : byte
{
    Port = 1,
    Mmio = 2,
    /// <summary>A PCI function's configuration space; the base is device &lt;&lt; 3 | function on bus 0.</summary>
    PciConfig = 3,
    /// <summary>Pages of guest memory given to a device (an assigned VF's registers): the guest's accesses go straight
    /// to memory the device watches, with no trap; the VMM keeps them out of every IOMMU mapping.</summary>
    Assigned = 4,
}
