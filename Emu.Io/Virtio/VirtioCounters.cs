namespace Emu.Io.Virtio;

/// <summary>What the transport did, for statistics and benchmarks. Plain counters: reading them is free.</summary>
public sealed class VirtioTransportCounters
{
    /// <summary>QueueNotify writes received (including ignored ones: poll mode, bad index, queue not ready).</summary>
    public long Notifications { get; internal set; }

    /// <summary>Times an interrupt bit was set in InterruptStatus (used buffer or configuration change).</summary>
    public long Interrupts { get; internal set; }

    /// <summary>Calls of <see cref="VirtioMmioTransport.Poll"/>.</summary>
    public long Polls { get; internal set; }

    /// <summary>Polls that found at least one new available buffer.</summary>
    public long PollsWithWork { get; internal set; }

    /// <summary>Chains returned to the used ring (every consumed available entry, good or bad).</summary>
    public long BuffersUsed { get; internal set; }

    /// <summary>Chains that could not be walked (bad index, loop, bad indirect table, buffer outside RAM).</summary>
    public long MalformedChains { get; internal set; }

    /// <summary>Times the device set DEVICE_NEEDS_RESET.</summary>
    public long NeedsResetEvents { get; internal set; }
}

/// <summary>What the block device did with the requests it was given.</summary>
public sealed class VirtioBlockCounters
{
    /// <summary>Requests completed, whatever their status (malformed ones included).</summary>
    public long RequestsCompleted { get; internal set; }

    /// <summary>Requests that ended with a status other than OK, or with no status at all (malformed).</summary>
    public long RequestErrors { get; internal set; }

    /// <summary>Bytes read from the backend into guest memory (IN).</summary>
    public long BytesRead { get; internal set; }

    /// <summary>Bytes written from guest memory to the backend (OUT).</summary>
    public long BytesWritten { get; internal set; }

    public long Flushes { get; internal set; }
}
