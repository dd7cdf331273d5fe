namespace Emu.Io.Virtio;

/// <summary>Why a split virtqueue refused to start (QueueReady = 1) or broke while in use.</summary>
public enum QueueFault : byte
{
    None,
    /// <summary>QueueSize is 0, not a power of two, or larger than QueueSizeMax.</summary>
    BadSize,
    /// <summary>The descriptor table is not 16-byte aligned, the available ring not 2-, or the used ring not 4-byte aligned.</summary>
    Misaligned,
    DescriptorTableNotRam,
    AvailableRingNotRam,
    UsedRingNotRam,
    /// <summary>avail.idx cannot be read by DMA.</summary>
    AvailableIndexUnreadable,
    /// <summary>The available-ring entry of the next head cannot be read by DMA.</summary>
    AvailableEntryUnreadable,
    /// <summary>avail.idx claims more new entries than the ring holds.</summary>
    AvailableIndexTooFarAhead,
    /// <summary>used.flags, a used element or used.idx cannot be written by DMA.</summary>
    UsedRingUnwritable,
    /// <summary>avail_event (EVENT_IDX) cannot be written by DMA.</summary>
    AvailEventUnwritable,
}

/// <summary>
/// A queue fault and what it concerns: for an area, its guest-physical <see cref="Address"/> and
/// <see cref="Count"/> bytes; for <see cref="QueueFault.BadSize"/>, the size written (Count) and the
/// largest allowed (<see cref="Limit"/>); for <see cref="QueueFault.AvailableIndexTooFarAhead"/>, avail.idx
/// (Address), the entries it claims are new (Count) and the queue size (Limit); for
/// <see cref="QueueFault.Misaligned"/>, the descriptor table (Address), available ring (Count) and used ring
/// (Limit) addresses. <see cref="ToString"/> is the one place these become words.
/// </summary>
internal readonly record struct QueueError(QueueFault Fault, ulong Address = 0, ulong Count = 0, ulong Limit = 0)
{
    public static QueueError None => default;

    public bool IsNone => Fault == QueueFault.None;

    public override string ToString() => Fault switch
    {
        QueueFault.None => "no error",
        QueueFault.BadSize => $"queue size {Count} is not a power of two in 1..{Limit}",
        QueueFault.Misaligned => $"misaligned ring (desc {Address:X}, avail {Count:X}, used {Limit:X})",
        QueueFault.DescriptorTableNotRam => $"descriptor table {Address:X}+{Count:X} is not guest RAM",
        QueueFault.AvailableRingNotRam => $"available ring {Address:X}+{Count:X} is not guest RAM",
        QueueFault.UsedRingNotRam => $"used ring {Address:X}+{Count:X} is not guest RAM",
        QueueFault.AvailableIndexUnreadable => "available ring unreadable",
        QueueFault.AvailableEntryUnreadable => "available ring entry unreadable",
        QueueFault.AvailableIndexTooFarAhead => $"avail.idx {Address} is {Count} entries ahead of {(ushort)(Address - Count)} (queue size {Limit})",
        QueueFault.UsedRingUnwritable => "used ring unwritable",
        QueueFault.AvailEventUnwritable => "avail_event unwritable",
        _ => Fault.ToString(),
    };
}
