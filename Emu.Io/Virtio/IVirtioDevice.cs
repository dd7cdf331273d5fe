using Emu.Io.Common;

namespace Emu.Io.Virtio;

/// <summary>
/// A virtio device type (block, net...) as the transport sees it: its identity, the features it offers,
/// its configuration space, and a handler for one request chain. The transport owns the queues, the
/// feature negotiation, the status register and the interrupt; the device never touches a ring.
/// </summary>
public interface IVirtioDevice
{
    /// <summary>Virtio device ID (2 = block).</summary>
    uint DeviceId { get; }

    /// <summary>The 64-bit feature word the device offers (transport bits included).</summary>
    ulong OfferedFeatures { get; }

    int QueueCount { get; }

    /// <summary>Size of the configuration space at window offset 0x100; reads past it return 0.</summary>
    int ConfigSize { get; }

    /// <summary>Reads <paramref name="data"/>.Length bytes of configuration space at <paramref name="offset"/>
    /// (any offset; bytes past <see cref="ConfigSize"/> read 0).</summary>
    void ReadConfig(uint offset, Span<byte> data);

    /// <summary>A driver write to the configuration space (ignored by a device without writable fields).</summary>
    void WriteConfig(uint offset, ReadOnlySpan<byte> data);

    /// <summary>
    /// Executes one request whose descriptors the queue has walked and checked (each buffer in guest RAM)
    /// and returns the used length: the number of bytes the device wrote into the chain. A request the
    /// device cannot understand is still answered (length 0 when no status could be written).
    /// </summary>
    uint Process(int queueIndex, DescriptorChain chain);

    /// <summary>Called when the driver resets the device (Status = 0).</summary>
    void Reset();

    /// <summary>Where the device reports requests; null costs one test per request.</summary>
    IDeviceEventSink? Events { get; set; }
}
