namespace Emu.Io.Virtio;

public sealed partial class VirtioMmioTransport
{
    /// <summary>
    /// A QueueNotify write. In exit mode the named queue is processed now, inside the exit handler; in poll
    /// mode the write is only counted. An index past the last queue (CVE-2011-2512: a "negative" index is
    /// just a large unsigned one here) is counted and ignored.
    /// </summary>
    private void Notify(uint queueIndex)
    {
        Counters.Notifications++;
        if (queueIndex >= (uint)_queues.Length)
        {
            _events?.Note(Name, $"notify for queue {queueIndex} ignored: no such queue");
            return;
        }
        if (NotifyMode == VirtioNotifyMode.Poll)
            return;
        if (!DriverReady || !_queues[queueIndex].Ready)
        {
            _events?.Note(Name, $"notify for queue {queueIndex} ignored: {(DriverReady ? "queue not ready" : "driver not ready")}");
            return;
        }
        ProcessQueue((int)queueIndex);
    }

    /// <summary>
    /// The poll-mode entry point: drains every ready queue that has new available buffers. Cheap when idle
    /// (one 2-byte read of avail.idx per queue). Works in either mode; the hypervisor calls it only in
    /// poll mode. Returns true when some queue had work.
    /// </summary>
    public bool Poll()
    {
        Counters.Polls++;
        if (!DriverReady)
            return false;
        bool found = false;
        for (int i = 0; i < _queues.Length && DriverReady; i++)
        {
            var q = _queues[i];
            if (!q.Ready)
                continue;
            int pending = q.PendingCount(out var error);
            if (pending < 0)
            {
                NeedsReset(i, error);
                break;
            }
            if (pending == 0)
                continue;
            found = true;
            ProcessQueue(i);
        }
        if (found)
            Counters.PollsWithWork++;
        return found;
    }

    /// <summary>
    /// Takes every available chain of one queue, has the device execute it and returns it to the used ring,
    /// then interrupts if the driver wants it. At most Size chains per call: a legitimate driver never has
    /// more outstanding, and a ring that the device's own DMA writes keep refilling cannot hold the
    /// exit handler forever (what is left waits for the next notify or poll).
    /// </summary>
    private void ProcessQueue(int index)
    {
        var q = _queues[index];
        if (!DriverReady || !q.Ready)
            return;
        Drain(index, q);
        if (q.ShouldInterrupt())
            Signal(VirtioInterrupt.UsedBuffer);
    }

    private void Drain(int index, SplitVirtqueue q)
    {
        bool polling = NotifyMode == VirtioNotifyMode.Poll;
        int budget = (int)q.Size;
        while (true)
        {
            int popped = 0;
            while (budget > 0)
            {
                var state = q.TryPop(out ushort head, out var error);
                if (state == QueuePoll.Empty)
                    break;
                if (state == QueuePoll.Broken)
                {
                    NeedsReset(index, error);
                    return;
                }
                budget--;
                popped++;
                Complete(index, q, head);
                if (!DriverReady)
                    return;
            }
            // Re-arm notifications, then look again: a buffer published after the last pop would otherwise
            // wait for a kick the driver was told it need not send. Each round either consumes budget or
            // ends, so the loop is bounded whatever the ring says.
            var armed = q.ArmNotification(polling, out var armError);
            if (armed == QueuePoll.Broken)
            {
                NeedsReset(index, armError);
                return;
            }
            if (armed == QueuePoll.Empty || budget == 0 || popped == 0)
                return;
        }
    }

    private void Complete(int index, SplitVirtqueue q, ushort head)
    {
        uint length = 0;
        var error = q.ReadChain(head);
        if (error == ChainError.None)
        {
            length = _device.Process(index, q.Chain);
        }
        else
        {
            Counters.MalformedChains++;
            _events?.Note(Name, $"queue {index} head {head}: malformed chain ({error}), returned with len 0");
        }
        if (!q.TryPushUsed(head, length))
        {
            NeedsReset(index, new QueueError(QueueFault.UsedRingUnwritable, q.UsedRing));
            return;
        }
        Counters.BuffersUsed++;
        _events?.Note(Name, $"used idx={q.NextUsedIdx} head={head} len={length}");
    }

    /// <summary>
    /// The driver broke the ring contract: set DEVICE_NEEDS_RESET, raise a configuration-change interrupt
    /// (how virtio-mmio tells the driver to look at Status) and stop processing until the driver resets.
    /// </summary>
    private void NeedsReset(int queueIndex, QueueError reason)
    {
        if ((_status & VirtioStatus.DeviceNeedsReset) != 0)
            return;
        _status |= VirtioStatus.DeviceNeedsReset;
        Counters.NeedsResetEvents++;
        _events?.Note(Name, $"DEVICE_NEEDS_RESET: queue {queueIndex}: {reason}");
        Signal(VirtioInterrupt.ConfigChange);
    }

    private void Signal(uint bit)
    {
        _interruptStatus |= bit;
        Counters.Interrupts++;
        _events?.Note(Name, bit == VirtioInterrupt.UsedBuffer ? "irq raised (used buffer)" : "irq raised (config change)");
        UpdateIrq();
    }

    private void UpdateIrq() => _irq.Set(_interruptStatus != 0);
}
