using Emu.Cpu;
using Emu.Io.Timing;
using Emu.Io.Virtio;

namespace Emu.Hypervisor.Virtio;

/// <summary>
/// Drives a poll-mode virtio transport from the run loop: a timed device whose deadline is the next poll
/// point, every poll interval of retired instructions of virtual time. The run
/// loop ends its CPU slice there (as at a timer deadline), so polls fall on the same instruction on every run.
///
/// While the CPU is halted the device keeps polling on virtual time (a request published just before HLT is
/// still served), but once a poll has found nothing and no instruction has retired since, the rings cannot
/// change until an interrupt wakes the CPU: the poller then has no deadline, so a guest halted for good is
/// still reported as such instead of spinning through idle time.
/// </summary>
public sealed class VirtioPoller : ITimedDevice
{
    private readonly Processor _cpu;
    private readonly Func<bool> _poll;
    private readonly long _intervalNs;
    private long _nextNs;
    private long _idleSinceRetired = -1; // Retired at the last poll that found nothing; -1 after work

    /// <param name="poll">Drains the queue and says whether there was work (the declaration's poll: the transport
    /// in-process, or a Poll request to the device process).</param>
    internal VirtioPoller(Processor cpu, long nsPerInstruction, Func<bool> poll, int pollInterval)
    {
        _cpu = cpu;
        _poll = poll;
        _intervalNs = Math.Max(1, pollInterval) * nsPerInstruction;
        _nextNs = _intervalNs;
    }

    public long IntervalNs => _intervalNs;

    public long NextDeadlineNs =>
        _cpu.Halted && _idleSinceRetired == _cpu.Retired ? long.MaxValue : _nextNs;

    public void AdvanceTo(long nowNs)
    {
        if (nowNs < _nextNs)
            return;
        bool work = _poll();
        _idleSinceRetired = work ? -1 : _cpu.Retired;
        // The next poll point on the grid after now (a long halt skips the points it slept through).
        _nextNs += ((nowNs - _nextNs) / _intervalNs + 1) * _intervalNs;
    }
}
