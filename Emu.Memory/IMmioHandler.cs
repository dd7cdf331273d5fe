namespace Emu.Memory;

/// <summary>
/// Receives guest accesses to pages mapped as <see cref="PageKind.Mmio"/>. The hypervisor installs
/// one handler that turns each access into a VM exit; the memory never knows which device answers.
/// </summary>
public interface IMmioHandler
{
    /// <summary>A guest read of <paramref name="size"/> bytes (1, 2 or 4) at a physical address.</summary>
    uint MmioRead(uint physicalAddress, int size);

    /// <summary>A guest write of <paramref name="size"/> bytes (1, 2 or 4) at a physical address.</summary>
    void MmioWrite(uint physicalAddress, int size, uint value);
}
