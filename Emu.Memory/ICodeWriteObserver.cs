namespace Emu.Memory;

/// <summary>
/// Told when a byte marked as code (see <see cref="GuestMemory.MarkCode"/>) is written, so a cache
/// of decoded instructions can drop exactly the entries that cover it.
/// </summary>
public interface ICodeWriteObserver
{
    void CodeWritten(uint physicalAddress);
}
