using Emu.Hypervisor.Firmware;

namespace Emu.Hypervisor.Tests;

/// <summary>Theory data over every INT 13h hard-disk driver of the BIOS, so a test meant for all of them takes in a
/// driver when one is added.</summary>
public static class BiosDiskModeData
{
    public static TheoryData<BiosDiskMode> Every() => new(Enum.GetValues<BiosDiskMode>());
}
