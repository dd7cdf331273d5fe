using System.Diagnostics;
using Emu.Cpu;
using Emu.Hypervisor.Assigned;
using Emu.Io.Timing;

namespace Emu.Hypervisor;

// What HLT means for the run: the guest is done, deadlocked, or waits for the next timer deadline, to which virtual
// time moves at once (IdleSleep decides whether the host also waits that long in real time).
public sealed partial class VirtualMachine
{
    private readonly IdleSleep _idleSleep = new();

    // HLT: with IF clear nothing can wake the CPU (no NMI source exists here), so the guest is done.
    // With IF set, move virtual time to the next timer deadline (sleeping that long when IdleWait says so)
    // and let the device raise its IRQ.
    private bool WaitForInterrupt(RunLimits limits, Stopwatch wallClock, out RunOutcome? outcome)
    {
        outcome = null;
        if (PassHalt(limits, wallClock, out var end, out string? why))
            return true;
        outcome = Finish(end, 0, why!);
        return false;
    }

    /// <summary>Moves virtual time over a HLT to the next timer deadline (with <paramref name="limits"/>, waiting as
    /// long in real time when the configuration says so; a replay never waits); false, with why, when nothing can
    /// ever wake the guest.</summary>
    private bool PassHalt(RunLimits? limits, Stopwatch? wallClock, out RunEnd end, out string? why)
    {
        end = RunEnd.Halted;
        why = null;
        if ((Cpu.Flags & CpuFlags.IF) == 0)
        {
            why = $"guest halted with interrupts off at {Cpu.CS:X4}:{Cpu.IP:X4}";
            return false;
        }
        end = RunEnd.Deadlock;
        if (limits is not null && !Pic.Intr && AssignedFunction is { } assigned && WaitForPostedInterrupt(assigned, limits))
            return true;
        long deadline = _time.NextDeadlineNs;
        if (deadline == long.MaxValue)
        {
            if (Pic.Intr)
                return true; // an interrupt is pending already: the next Run delivers it
            why = $"guest halted at {Cpu.CS:X4}:{Cpu.IP:X4} waiting for an interrupt that nothing will raise";
            return false;
        }
        // While the CPU is halted only the timed devices change anything; the other devices act on guest accesses.
        // If none of them will raise an IRQ that can get through the 8259s, no deadline will ever wake the guest:
        // skipping from one to the next would spin forever without retiring an instruction, so that
        // --max-instructions never ended the run (found twice by the cpu fuzz target: HaltDeadlockTests).
        if (!Pic.Intr && !ATimerCanWake())
        {
            why = $"guest halted at {Cpu.CS:X4}:{Cpu.IP:X4} with no timer interrupt (IRQ 0, IRQ 8) that will be raised and can reach the CPU: nothing will wake it";
            return false;
        }
        long idleNs = deadline - NowNs;
        if (idleNs > 0)
        {
            if (limits is not null && !Pic.Intr && SleepsWhenIdle())
            {
                long slept = _idleSleep.Sleep(idleNs, limits, wallClock!);
                if (Layers is { } layers)
                    layers.IdleTicks += slept;
            }
            _time.Idle(idleNs);
        }
        _time.Sync(Layers);
        return true;
    }

    /// <summary>
    /// An assigned VF completes on the device's own thread, in real time, and tells the CPU by a posted interrupt: a
    /// guest halted for it waits for the notification as a halted CPU would, for up to its next timer deadline if a
    /// timer can wake it, else up to the device-process timeout, of real time; virtual time moves by the time waited.
    /// False when nothing came: the halt goes on as for any other guest (to the deadline, or a deadlock).
    /// </summary>
    private bool WaitForPostedInterrupt(AssignedFunction assigned, RunLimits limits)
    {
        // A vector posted during STI's shadow is already on INTR (its notification taken): the next Run delivers it.
        if (Cpu.InterruptRequested)
            return true;
        long deadline = _time.NextDeadlineNs;
        long waitNs = deadline != long.MaxValue && ATimerCanWake() ? deadline - NowNs
            : (long)Config.DeviceProcessTimeout.TotalMicroseconds * 1000;
        if (waitNs <= 0)
            return false;
        long start = Stopwatch.GetTimestamp();
        if (!assigned.Posted.WaitForNotification(TimeSpan.FromMicroseconds(waitNs / 1000.0), limits.Cancellation))
            return false;
        long ticks = Stopwatch.GetTimestamp() - start;
        long waitedNs = Math.Min(waitNs, (long)(ticks * (1e9 / Stopwatch.Frequency)));
        if (Layers is { } layers)
            layers.IdleTicks += ticks;
        _time.Idle(waitedNs);
        _time.Sync(Layers);
        return true;
    }

    private bool SleepsWhenIdle() => Config.IdleWait switch
    {
        IdleWait.Sleep => true,
        IdleWait.SkipWhileInputWaits => !ScriptedInputWaits(),
        _ => false,
    };

    /// <summary>Whether scripted input (--keys, --serial-input) is still on its way to the guest: in the keyboard
    /// or the 8042, in the BIOS's keyboard buffer, or in COM1's queue or receive FIFO. Once the guest has read it
    /// all, a halted guest can only be waiting for time to pass, or for input that will never come.</summary>
    private bool ScriptedInputWaits() =>
        Platform.Keyboard.InputWaits || Com1.InputWaits || Firmware is { KeysBuffered: true };

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
        || Devices.Pollers.Any(p => Raises(p.Poller, p.Irq));

    private bool Raises(ITimedDevice device, int irq) => device.NextDeadlineNs != long.MaxValue && Pic.CouldDeliver(irq);
}
