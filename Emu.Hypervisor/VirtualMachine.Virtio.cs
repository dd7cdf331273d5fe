using Emu.Hypervisor.Virtio;
using Emu.Io.Storage;
using Emu.Io.Virtio;

namespace Emu.Hypervisor;

/// <summary>
/// The paravirtual disk: virtio-blk behind a virtio-mmio window at <see cref="VirtioMmioTransport.DefaultBase"/>
/// (D0000, a page in the upper memory area, so a real-mode guest reaches it with 32-bit MOVs through a
/// segment), interrupting on IRQ 11 through the 8259 pair (vector 73h with the BIOS's slave base 70h).
///
/// Exit mode: a QueueNotify write is an MMIO exit that the <see cref="ExitDispatcher"/> routes to the
/// transport, which processes the queue inside the exit. Poll mode: notifies are ignored (the device asks
/// the driver not to send them) and a <see cref="VirtioPoller"/> on virtual time drains the queue every
/// N retired instructions; the run loop's slices end at each poll point, like timer deadlines, so the
/// device sees the rings at the same instruction on every run.
/// </summary>
public sealed partial class VirtualMachine
{
    /// <summary>The virtio-mmio transport of the virtio disk; null when the machine has none.</summary>
    public VirtioMmioTransport? VirtioTransport { get; private set; }

    /// <summary>The block device behind <see cref="VirtioTransport"/>.</summary>
    public VirtioBlockDevice? VirtioBlock { get; private set; }

    /// <summary>The poller (poll mode only).</summary>
    public VirtioPoller? VirtioPoller { get; private set; }

    private ObservedBackend? _virtioBackend;

    private void AttachVirtio(MachineConfig config)
    {
        if (config.VirtioDiskBackend is null && config.VirtioDisk is null)
            return;
        if (config.VirtioPollInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(config), "the virtio poll interval must be at least one instruction");
        IBlockBackend? backend = config.VirtioDiskBackend;
        if (backend is null && config.VirtioDisk is { } spec)
        {
            var opened = RawImageBackend.Open(spec); // DiskImageException carries a one-line reason
            Own(opened);
            backend = opened;
        }
        if (backend is null)
            return;

        // Always behind an observer decorator, detached (one null test per request) until a tracer is set.
        _virtioBackend = new ObservedBackend(backend, null);
        VirtioBlock = new VirtioBlockDevice(Memory, _virtioBackend);
        VirtioTransport = new VirtioMmioTransport(VirtioBlock, Memory, Pic.GetLine(VirtioMmioTransport.DefaultIrq), config.VirtioNotify)
        {
            PollInterval = config.VirtioPollInterval,
        };
        MapMmio(VirtioMmioTransport.DefaultBase, VirtioMmioTransport.WindowSize, VirtioTransport);
        if (config.VirtioNotify == VirtioNotifyMode.Poll)
        {
            VirtioPoller = new VirtioPoller(this, VirtioTransport.Poll, VirtioTransport.PollInterval, VirtioTransport.Irq.Number);
            Platform.TimedDevices.Add(VirtioPoller);
        }
    }

    /// <summary>The name the virtio disk's host IO has in traces.</summary>
    public const string VirtioBackendName = "virtio-blk-backend";
}
