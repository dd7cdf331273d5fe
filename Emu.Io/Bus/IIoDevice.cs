namespace Emu.Io.Bus;

/// <summary>
/// A device as the bus sees it: a window of registers addressed by an offset from wherever the bus
/// placed it. The span length is the access width (1, 2 or 4; the bus never passes anything else)
/// and the bus guarantees that offset + width stays inside the registered window, so a device only
/// has to interpret its registers, never to check placement.
/// </summary>
public interface IIoDevice
{
    /// <summary>A short name for traces and statistics ("pic-master", "uart-com1").</summary>
    string Name { get; }

    /// <summary>A guest read; the device fills every byte of <paramref name="data"/> (little endian).</summary>
    void Read(uint offset, Span<byte> data);

    /// <summary>A guest write of <paramref name="data"/> (little endian).</summary>
    void Write(uint offset, ReadOnlySpan<byte> data);

    /// <summary>The register's name at <paramref name="offset"/> for traces ("status", "thr"). Called only
    /// when tracing is on, so the default may allocate.</summary>
    string RegisterName(uint offset, bool write) => $"+{offset:X2}";
}
