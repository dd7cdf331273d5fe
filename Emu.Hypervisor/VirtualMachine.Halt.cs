using Emu.Io.Timing;

namespace Emu.Hypervisor;

public sealed partial class VirtualMachine
{
    /// <summary>
    /// Whether a halted guest (IF set, nothing pending) can still be woken: some timed device will act (it has a
    /// deadline) and the IRQ it raises can get through the 8259s (initialised, unmasked, not blocked by an
    /// interrupt in service, the cascade open for the slave's). A device's deadline is finite only while it will
    /// do something: the PIT's while channel 0's OUT will change (every rising edge is IRQ 0), the RTC's while an
    /// interrupt it enabled in register B is due (IRQ 8), the virtio poller's while a poll may still find work
    /// (IRQ 11 on completion).
    /// </summary>
    /// <remarks>
    /// The first version asked only whether IRQ 0 or IRQ 8 could get through. A guest that masked IRQ 0 but
    /// left a never-enabled RTC's IRQ 8 open then spun through PIT deadlines for ever (cpu fuzz target, input
    /// tests/Emu.Hypervisor.Tests/Fuzz/regressions/cpu-halt-rtc-never-raised.bin), and one waiting for a
    /// poll-mode virtio completion on IRQ 11 with IRQ 0 and IRQ 8 closed was wrongly called deadlocked.
    /// </remarks>
    private bool ATimerCanWake() =>
        Raises(Platform.Pit, PitIrq)
        || Raises(Platform.Cmos, RtcIrq)
        || (VirtioPoller is { } poller && Raises(poller, poller.Irq));

    private bool Raises(ITimedDevice device, int irq) => device.NextDeadlineNs != long.MaxValue && Pic.CouldDeliver(irq);
}
