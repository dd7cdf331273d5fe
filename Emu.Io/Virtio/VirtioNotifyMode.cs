namespace Emu.Io.Virtio;

/// <summary>How the device learns that the driver has put buffers in a queue.</summary>
public enum VirtioNotifyMode
{
    /// <summary>A QueueNotify write (an MMIO exit) processes the queue right away, in the exit handler:
    /// the paravirtual path.</summary>
    Exit,

    /// <summary>QueueNotify writes are counted and ignored; the hypervisor calls
    /// <see cref="VirtioMmioTransport.Poll"/> every N retired instructions and the device drains whatever
    /// the available rings hold. Models a device the hypervisor does not trap on (a directly assigned
    /// virtual function, the "hardware-assisted" row). The device also asks the driver not to notify.</summary>
    Poll,
}
