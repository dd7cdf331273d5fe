namespace Emu.Memory;

/// <summary>Told of each range a device wrote into guest RAM through <see cref="GuestMemory.TryWriteDma"/>.</summary>
public interface IDmaWriteObserver
{
    void DmaWritten(uint physicalAddress, int length);
}
