namespace Emu.Hypervisor.Tests;

/// <summary>Theory data over every CPU model, so a test meant for all of them takes in a model when one is added.</summary>
public static class CpuModelData
{
    public static TheoryData<CpuModel> Every() => new(Enum.GetValues<CpuModel>());
}
