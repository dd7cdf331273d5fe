using System.Buffers.Binary;
using System.Numerics;
using Emu.Memory;

namespace Emu.Io.Virtio;

/// <summary>The outcome of looking at the available ring.</summary>
internal enum QueuePoll
{
    /// <summary>Nothing new from the driver.</summary>
    Empty,
    /// <summary>A head index was taken from the ring.</summary>
    Available,
    /// <summary>The ring is inconsistent (or unreadable): the device must stop and ask for a reset.</summary>
    Broken,
}

/// <summary>
/// One split virtqueue (virtio 1.x §2.7): the driver-programmed addresses of the descriptor table, the
/// available ring and the used ring, and the device's two cursors into them. The queue is the only code
/// that reads the rings, and it reads them only through <see cref="GuestMemory"/>'s bounds-checked DMA
/// calls, so a hostile driver can at worst make it report <see cref="QueuePoll.Broken"/> or a malformed
/// chain. Nothing here allocates after construction.
/// </summary>
internal sealed partial class SplitVirtqueue
{
    /// <summary>The largest queue this implementation supports (and what QueueSizeMax reports).</summary>
    public const ushort MaxSizeLimit = 256;

    // Ring layouts: avail {le16 flags, le16 idx, le16 ring[N], le16 used_event};
    //               used  {le16 flags, le16 idx, {le32 id, le32 len}[N], le16 avail_event}.
    private const int RingHeader = 4;
    private const int UsedElementSize = 8;

    private readonly GuestMemory _memory;
    // The used index at the last interrupt decision, for EVENT_IDX suppression.
    private ushort _signalledUsed;

    public SplitVirtqueue(GuestMemory memory, ushort maxSize = MaxSizeLimit)
    {
        if (maxSize == 0 || maxSize > MaxSizeLimit || !BitOperations.IsPow2((uint)maxSize))
            throw new ArgumentOutOfRangeException(nameof(maxSize), "queue size must be a power of two up to 256");
        _memory = memory;
        MaxSize = maxSize;
        Reset();
    }

    public ushort MaxSize { get; }

    // ---- what the driver programs (through the transport) while the queue is not ready ----

    /// <summary>QueueSize as written: kept as 32 bits so that a value like 0x10000 is refused, not truncated to 0.</summary>
    public uint Size { get; private set; }
    public ulong DescTable { get; private set; }
    public ulong AvailRing { get; private set; }
    public ulong UsedRing { get; private set; }

    /// <summary>The queue passed its set-up checks and may be used. While false nothing reads the rings.</summary>
    public bool Ready { get; private set; }

    /// <summary>VIRTIO_F_EVENT_IDX was negotiated: used_event / avail_event are live.</summary>
    public bool EventIdx { get; private set; }

    /// <summary>VIRTIO_F_INDIRECT_DESC was negotiated: indirect tables are accepted.</summary>
    public bool IndirectAllowed { get; private set; }

    // ---- the device's cursors ----

    /// <summary>The next available-ring position the device will consume (free-running mod 2^16).</summary>
    public ushort LastAvailIdx { get; private set; }

    /// <summary>The used index the device will publish next (free-running mod 2^16).</summary>
    public ushort NextUsedIdx { get; private set; }

    /// <summary>The descriptors of the request being processed, reused for every request.</summary>
    public DescriptorChain Chain { get; } = new();

    public void Reset()
    {
        Ready = false;
        Size = MaxSize;
        DescTable = AvailRing = UsedRing = 0;
        EventIdx = IndirectAllowed = false;
        LastAvailIdx = NextUsedIdx = _signalledUsed = 0;
    }

    // Set-up writes are ignored while the queue is live: the addresses were validated when it became
    // ready, and a driver must not move a live ring under the device.
    public void SetSize(uint value) { if (!Ready) Size = value; }
    public void SetDescTable(ulong value) { if (!Ready) DescTable = value; }
    public void SetAvailRing(ulong value) { if (!Ready) AvailRing = value; }
    public void SetUsedRing(ulong value) { if (!Ready) UsedRing = value; }

    /// <summary>
    /// QueueReady = 1: checks the set-up (size non-zero, a power of two, at most the maximum; tables 16-,
    /// avail 2- and used 4-aligned; all three areas wholly in guest RAM) and starts the queue with fresh
    /// cursors. On failure the queue stays not ready and the error says why.
    /// </summary>
    public QueueError Enable(bool eventIdx, bool indirect)
    {
        var error = Validate();
        if (!error.IsNone)
            return error;
        EventIdx = eventIdx;
        IndirectAllowed = indirect;
        LastAvailIdx = NextUsedIdx = _signalledUsed = 0;
        Ready = true;
        return QueueError.None;
    }

    /// <summary>QueueReady = 0: the device stops using the queue; its addresses become writable again.</summary>
    public void Disable() => Ready = false;

    private QueueError Validate()
    {
        if (Size == 0 || Size > MaxSize || !BitOperations.IsPow2(Size))
            return new(QueueFault.BadSize, Count: Size, Limit: MaxSize);
        if (DescTable % 16 != 0 || AvailRing % 2 != 0 || UsedRing % 4 != 0)
            return new(QueueFault.Misaligned, DescTable, AvailRing, UsedRing);
        if (!_memory.IsRamRange(DescTable, VirtqDescriptor.Size * Size))
            return new(QueueFault.DescriptorTableNotRam, DescTable, VirtqDescriptor.Size * Size);
        if (!_memory.IsRamRange(AvailRing, AvailRingBytes))
            return new(QueueFault.AvailableRingNotRam, AvailRing, (ulong)AvailRingBytes);
        if (!_memory.IsRamRange(UsedRing, UsedRingBytes))
            return new(QueueFault.UsedRingNotRam, UsedRing, (ulong)UsedRingBytes);
        return QueueError.None;
    }

    private long AvailRingBytes => RingHeader + 2L * Size + 2;
    private long UsedRingBytes => RingHeader + (long)UsedElementSize * Size + 2;
    private ushort Mask => (ushort)(Size - 1);
    private ulong UsedEventAddress => AvailRing + RingHeader + 2UL * Size;
    private ulong AvailEventAddress => UsedRing + RingHeader + (ulong)UsedElementSize * Size;

    // ---- the available ring ----

    /// <summary>
    /// Takes the next head index if the driver published one. Reads avail.idx first and the ring entry
    /// after it (the acquire order of §2.7.13), and declares the ring broken when avail.idx claims more
    /// than Size new entries (a driver cannot have more buffers outstanding than the ring holds).
    /// </summary>
    public QueuePoll TryPop(out ushort head, out QueueError error)
    {
        head = 0;
        error = QueueError.None;
        if (!Ready)
            return QueuePoll.Empty;
        var pending = PendingCount(out error);
        if (pending < 0)
            return QueuePoll.Broken;
        if (pending == 0)
            return QueuePoll.Empty;
        ulong slot = AvailRing + RingHeader + 2UL * (uint)(LastAvailIdx & Mask);
        if (!_memory.TryReadDmaUInt16(slot, out head))
        {
            error = new(QueueFault.AvailableEntryUnreadable, slot, 2);
            return QueuePoll.Broken;
        }
        LastAvailIdx++;
        return QueuePoll.Available;
    }

    /// <summary>How many entries the driver has published and the device not consumed; -1 when the ring is broken.</summary>
    public int PendingCount(out QueueError error)
    {
        error = QueueError.None;
        if (!Ready)
            return 0;
        if (!_memory.TryReadDmaUInt16(AvailRing + 2, out ushort availIdx))
        {
            error = new(QueueFault.AvailableIndexUnreadable, AvailRing + 2, 2);
            return -1;
        }
        int pending = (ushort)(availIdx - LastAvailIdx);
        if (pending > Size)
        {
            error = new(QueueFault.AvailableIndexTooFarAhead, availIdx, (ulong)pending, Size);
            return -1;
        }
        return pending;
    }

    // ---- the used ring ----

    /// <summary>Returns a chain to the driver: writes the used element, then (release order) used.idx.</summary>
    public bool TryPushUsed(ushort head, uint length)
    {
        if (!Ready)
            return false;
        Span<byte> element = stackalloc byte[UsedElementSize];
        BinaryPrimitives.WriteUInt32LittleEndian(element, head);
        BinaryPrimitives.WriteUInt32LittleEndian(element[4..], length);
        ulong slot = UsedRing + RingHeader + (ulong)UsedElementSize * (uint)(NextUsedIdx & Mask);
        if (!_memory.TryWriteDma(slot, element))
            return false;
        NextUsedIdx++;
        return TryWriteUInt16(UsedRing + 2, NextUsedIdx);
    }

    /// <summary>
    /// Whether the driver wants an interrupt for the used entries added since the last decision. With
    /// EVENT_IDX: <c>(u16)(new - used_event - 1) &lt; (u16)(new - old)</c>; without it the NO_INTERRUPT
    /// flag of the available ring is honoured. An unreadable field errs towards interrupting.
    /// </summary>
    public bool ShouldInterrupt()
    {
        ushort old = _signalledUsed, now = NextUsedIdx;
        _signalledUsed = now;
        if (!Ready || old == now)
            return false;
        if (EventIdx)
        {
            if (!_memory.TryReadDmaUInt16(UsedEventAddress, out ushort usedEvent))
                return true;
            return (ushort)(now - usedEvent - 1) < (ushort)(now - old);
        }
        return !_memory.TryReadDmaUInt16(AvailRing, out ushort flags) || (flags & VirtqRingFlags.NoInterrupt) == 0;
    }

    /// <summary>
    /// Tells the driver when to notify next and reports whether buffers arrived meanwhile. Notify mode with
    /// EVENT_IDX: avail_event = last_seen, then avail.idx is read again (a buffer published between the
    /// last pop and this write would otherwise never be kicked). Poll mode: asks for no notifications at
    /// all (used.flags NO_NOTIFY, or avail_event = last_seen - 1, which a driver crosses only after 65535
    /// more buffers); the poller finds the buffers instead.
    /// </summary>
    public QueuePoll ArmNotification(bool polling, out QueueError error)
    {
        error = QueueError.None;
        if (!Ready)
            return QueuePoll.Empty;
        if (!EventIdx)
        {
            if (!TryWriteUInt16(UsedRing, polling ? VirtqRingFlags.NoNotify : (ushort)0))
            {
                error = new(QueueFault.UsedRingUnwritable, UsedRing, 2);
                return QueuePoll.Broken;
            }
            return QueuePoll.Empty;
        }
        if (!TryWriteUInt16(AvailEventAddress, polling ? (ushort)(LastAvailIdx - 1) : LastAvailIdx))
        {
            error = new(QueueFault.AvailEventUnwritable, AvailEventAddress, 2);
            return QueuePoll.Broken;
        }
        if (polling)
            return QueuePoll.Empty;
        int pending = PendingCount(out error);
        return pending < 0 ? QueuePoll.Broken : pending == 0 ? QueuePoll.Empty : QueuePoll.Available;
    }

    private bool TryWriteUInt16(ulong address, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        return _memory.TryWriteDma(address, b);
    }
}
