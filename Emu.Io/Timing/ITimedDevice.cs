namespace Emu.Io.Timing;

/// <summary>
/// A device that does something on its own at a virtual time (a timer expiring, an RTC tick). The
/// hypervisor runs the CPU until the earliest <see cref="NextDeadlineNs"/>, sets the clock, and calls
/// <see cref="AdvanceTo"/> so the device can raise its interrupt. Deadlines may move whenever the
/// guest reprograms the device, so the hypervisor asks again after each exit.
/// </summary>
public interface ITimedDevice
{
    /// <summary>The next virtual time at which the device wants to act; <see cref="long.MaxValue"/> for never.</summary>
    long NextDeadlineNs { get; }

    /// <summary>Brings the device's outputs up to <paramref name="nowNs"/>, firing everything that fell due.</summary>
    void AdvanceTo(long nowNs);
}
