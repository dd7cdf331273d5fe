namespace Emu.Io.Pci;

/// <summary>What the configuration ports need of a function at a bus/device/function address: its 256 bytes
/// of configuration space, read and written by the guest. A <see cref="PciFunction"/> holds them itself; a
/// function whose device lives in a device process forwards the accesses there.</summary>
public interface IPciConfigSpace
{
    string Name { get; }

    /// <summary>A guest configuration read of <paramref name="data"/>.Length bytes at <paramref name="offset"/>.</summary>
    void ReadConfig(int offset, Span<byte> data);

    /// <summary>A guest configuration write.</summary>
    void WriteConfig(int offset, ReadOnlySpan<byte> data);
}
