namespace Emu.Io.Remote;

/// <summary>
/// The device protocol between the VMM and a device process (docs/DEVICE-PROTOCOL.md): one Unix stream
/// socket, one request outstanding at a time, every message an 8-byte header (type, zero, payload length)
/// and a little-endian payload. Guest RAM is not in the messages: both processes map the same file.
/// </summary>
public static class DeviceProtocol
{
    /// <summary>"EMUD" as a little-endian u32, first in Hello and Welcome.</summary>
    public const uint Magic = 0x4455_4D45;
    /// <summary>Bumped on any change to a message's layout or meaning; both sides must agree exactly.</summary>
    public const ushort Version = 2;
    public const int HeaderSize = 8;
    /// <summary>No payload is longer (the largest, Welcome, is well under 1 KiB).</summary>
    public const int MaxPayload = 4096;
    /// <summary>A region base meaning "not decoded anywhere" (a PCI BAR switched off).</summary>
    public const uint NoBase = Devices.DeviceRegion.NotDecoded;
    public const int MaxRegions = 16, MaxIrqLines = 8, MaxDisks = 4, MaxNameLength = 64, MaxPathLength = 1024,
        MaxTextLength = 1024;
    /// <summary>Messages a device may send before the completion of one request; more is a runaway device.</summary>
    public const int MaxMessagesPerRequest = 4096;
    /// <summary>Register names cover the first 4,096 offsets of a region (a whole MMIO page), at most 32 bytes each.</summary>
    public const int NamedOffsets = 4096, MaxRegisterName = 32;
}

public enum MessageType : ushort
{
    /// <summary>VMM → device: magic, version, flags, the shared RAM file.</summary>
    Hello = 1,
    /// <summary>Device → VMM: what the device is: regions, IRQ lines, disks.</summary>
    Welcome = 2,
    /// <summary>VMM → device: the kind of every 4 KiB page (RAM, ROM, MMIO, unmapped); answered by Completion.</summary>
    MemoryMap = 3,
    /// <summary>VMM → device: one trapped guest access to a region.</summary>
    Access = 4,
    /// <summary>Device → VMM: the request is done (value of a read, host time of the device work).</summary>
    Completion = 5,
    /// <summary>Device → VMM: an IRQ line changed level.</summary>
    Irq = 6,
    /// <summary>Device → VMM: a region moved (a PCI BAR was reprogrammed) or stopped decoding.</summary>
    RegionMoved = 7,
    /// <summary>Device → VMM: the device wrote guest RAM in this range (DMA), so cached code there is stale.</summary>
    MemoryWritten = 8,
    /// <summary>Device → VMM: a trace event of the device model (commands, backend IO), sent only when asked for.</summary>
    Event = 9,
    /// <summary>VMM → device: machine reset; answered by Completion.</summary>
    Reset = 10,
    /// <summary>VMM → device: a poll point of a poll-mode virtqueue; answered by Completion.</summary>
    Poll = 11,
    /// <summary>VMM → device: the machine is going away; the device flushes its disks, answers, closes.</summary>
    Goodbye = 12,
    /// <summary>Either way: the sender rejects the conversation (one line of text) and closes.</summary>
    Error = 13,
    /// <summary>VMM → device: new flags (events on or off when a tracer is attached); answered by Completion.</summary>
    Configure = 14,
    /// <summary>Device → VMM, before the Completion of MemoryMap: the names of a region's registers, for traces.</summary>
    RegisterNames = 15,
    /// <summary>VMM → assigned device: map an IOVA range of the VF's IOMMU domain to the VMM's own guest memory; answered by Completion.</summary>
    IommuMap = 16,
    /// <summary>VMM → assigned device: where completions are posted (the descriptor in the VMM's private page, the
    /// notification socket); answered by Completion.</summary>
    PostedInterrupts = 17,
}

/// <summary>The device models a device process can serve.</summary>
public enum RemoteDeviceKind : byte
{
    Ata = 1,
    VirtioBlock = 2,
    /// <summary>A virtual function of the assigned block device (docs/ASSIGNED-DEVICE.md).</summary>
    Assigned = 3,
}

/// <summary>Hello's flags.</summary>
[Flags]
public enum HelloFlags : ushort
{
    None = 0,
    /// <summary>Send Event messages (the VMM traces device events).</summary>
    Events = 1,
    /// <summary>Measure the backend's host time in events (--trace-host-time).</summary>
    HostTime = 2,
    /// <summary>The virtio device runs in poll mode (no notify exits; the VMM sends Poll).</summary>
    VirtioPoll = 4,
    All = Events | HostTime | VirtioPoll,
}

/// <summary>What went wrong on a device protocol connection.</summary>
public enum ProtocolFault
{
    /// <summary>The other side closed the connection, or the socket failed: the peer died.</summary>
    ConnectionLost,
    /// <summary>No message within the receive timeout: the peer hangs.</summary>
    TimedOut,
    /// <summary>A header or payload that does not follow the layout: unknown type, length, truncated, trailing or reserved bytes.</summary>
    Malformed,
    /// <summary>Another protocol version, or not a device protocol peer at all (magic).</summary>
    WrongPeer,
    /// <summary>A field whose value the protocol does not allow: flags, device kind, counts, sizes, times, the RAM layout.</summary>
    BadField,
    /// <summary>A region that cannot exist (outside its space, empty) or that the device does not have, or an access outside one.</summary>
    ImpossibleRegion,
    /// <summary>An IRQ the PIC does not have (the cascade, over 15) or a line the device does not have.</summary>
    ImpossibleIrq,
    ImpossibleDisk,
    /// <summary>A report of DMA that wrote outside guest RAM.</summary>
    ImpossibleDma,
    /// <summary>A message the conversation does not allow at this point.</summary>
    UnexpectedMessage,
    /// <summary>The peer sent Error: it gave up on the conversation.</summary>
    PeerGaveUp,
    /// <summary>More than <see cref="DeviceProtocol.MaxMessagesPerRequest"/> messages without a Completion: a runaway device.</summary>
    Flooded,
}

/// <summary>A message broke the protocol (bad type, length, field, order) or the connection failed: the
/// <see cref="Fault"/> says which, the message says it in one line for the user, naming the message and field.</summary>
public sealed class DeviceProtocolException(ProtocolFault fault, string message) : Exception(message)
{
    public ProtocolFault Fault { get; } = fault;
}
