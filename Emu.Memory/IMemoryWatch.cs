namespace Emu.Memory;

/// <summary>Told of every CPU access to a byte of a watched page (a debugger's watchpoints decide whether it matters).</summary>
public interface IMemoryWatch
{
    /// <summary>The CPU read or wrote the byte at <paramref name="physicalAddress"/> (a write has happened already).</summary>
    void Accessed(uint physicalAddress, bool isWrite);
}
