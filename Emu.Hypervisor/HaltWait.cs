using System.Diagnostics;
using Emu.Cpu;
using Emu.Hypervisor.Assigned;
using Emu.Hypervisor.Firmware;
using Emu.Io.Devices;
using Emu.Io.Platform;
using Emu.Io.Timing;

namespace Emu.Hypervisor;

/// <summary>
/// What HLT means for a run: the guest is done, deadlocked, or waits for the next timer deadline, to which virtual
/// time moves at once (<see cref="IdleSleep"/> decides whether the host also waits that long in real time). The run
/// loop asks it at every HLT; reverse execution asks it too, while replaying, where the host never waits.
/// </summary>
internal sealed class HaltWait(
    Processor cpu, VirtualTime time, PcPlatform platform, DeviceManager devices, MachineConfig config,
    FirmwareServices? firmware, AssignedFunction? assigned)
{
    private const int PitIrq = 0, RtcIrq = Emu.Io.Cmos.CmosRtc.Irq;

    private readonly IdleSleep _idleSleep = new();

    /// <summary>
    /// HLT: with IF clear nothing can wake the CPU (no NMI source exists here), so the guest is done. With IF set,
    /// virtual time moves to the next timer deadline (with <paramref name="limits"/>, waiting as long in real time
    /// when the configuration says so; a replay passes none and never waits) and the device raises its IRQ.
    /// Null when the guest goes on; the run's end when nothing can ever wake it.
    /// </summary>
    public RunOutcome? Pass(RunLimits? limits, Stopwatch? wallClock)
    {
        if ((cpu.Flags & CpuFlags.IF) == 0)
            return Ends(RunEnd.Halted, $"guest halted with interrupts off at {cpu.CS:X4}:{cpu.IP:X4}");
        var pic = platform.Pic;
        if (limits is not null && !pic.Intr && assigned is not null && WaitForPostedInterrupt(assigned, limits))
            return null;
        long deadline = time.NextDeadlineNs;
        if (deadline == long.MaxValue)
        {
            if (pic.Intr)
                return null; // an interrupt is pending already: the next Run delivers it
            return Ends(RunEnd.Deadlock, $"guest halted at {cpu.CS:X4}:{cpu.IP:X4} waiting for an interrupt that nothing will raise");
        }
        // While the CPU is halted only the timed devices change anything; the other devices act on guest accesses.
        // If none of them will raise an IRQ that can get through the 8259s, no deadline will ever wake the guest:
        // skipping from one to the next would spin forever without retiring an instruction, so that
        // --max-instructions never ended the run (found twice by the cpu fuzz target: HaltDeadlockTests).
        if (!pic.Intr && !ATimerCanWake())
            return Ends(RunEnd.Deadlock, $"guest halted at {cpu.CS:X4}:{cpu.IP:X4} with no timer interrupt (IRQ 0, IRQ 8) that will be raised and can reach the CPU: nothing will wake it");
        long idleNs = deadline - time.NowNs;
        if (idleNs > 0)
        {
            long slept = limits is not null && !pic.Intr && SleepsWhenIdle() ? _idleSleep.Sleep(idleNs, limits, wallClock!) : 0;
            time.Idle(idleNs, slept);
        }
        time.Sync();
        return null;
    }

    private static RunOutcome Ends(RunEnd end, string why) => new(end, 0, why);

    /// <summary>
    /// An assigned VF completes on the device's own thread, in real time, and tells the CPU by a posted interrupt: a
    /// guest halted for it waits for the notification as a halted CPU would, for up to its next timer deadline if a
    /// timer can wake it, else up to the device-process timeout, of real time; virtual time moves by the time waited.
    /// False when nothing came: the halt goes on as for any other guest (to the deadline, or a deadlock).
    /// </summary>
    private bool WaitForPostedInterrupt(AssignedFunction function, RunLimits limits)
    {
        // A vector posted during STI's shadow is already on INTR (its notification taken): the next Run delivers it.
        if (cpu.InterruptRequested)
            return true;
        long deadline = time.NextDeadlineNs;
        long waitNs = deadline != long.MaxValue && ATimerCanWake() ? deadline - time.NowNs
            : (long)config.DeviceProcessTimeout.TotalMicroseconds * 1000;
        if (waitNs <= 0)
            return false;
        long start = Stopwatch.GetTimestamp();
        if (!function.Posted.WaitForNotification(TimeSpan.FromMicroseconds(waitNs / 1000.0), limits.Cancellation))
            return false;
        long ticks = Stopwatch.GetTimestamp() - start;
        long waitedNs = Math.Min(waitNs, (long)(ticks * (1e9 / Stopwatch.Frequency)));
        time.Idle(waitedNs, ticks);
        time.Sync();
        return true;
    }

    private bool SleepsWhenIdle() => config.IdleWait switch
    {
        IdleWait.Sleep => true,
        IdleWait.SkipWhileInputWaits => !ScriptedInputWaits(),
        _ => false,
    };

    /// <summary>Whether scripted input (--keys, --serial-input) is still on its way to the guest: in the keyboard
    /// or the 8042, in the BIOS's keyboard buffer, or in COM1's queue or receive FIFO. Once the guest has read it
    /// all, a halted guest can only be waiting for time to pass, or for input that will never come.</summary>
    private bool ScriptedInputWaits() =>
        platform.Keyboard.InputWaits || platform.Com1.InputWaits || firmware is { KeysBuffered: true };

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
        Raises(platform.Pit, PitIrq)
        || Raises(platform.Cmos, RtcIrq)
        || devices.Pollers.Any(p => Raises(p.Poller, p.Irq));

    private bool Raises(ITimedDevice device, int irq) => device.NextDeadlineNs != long.MaxValue && platform.Pic.CouldDeliver(irq);
}
