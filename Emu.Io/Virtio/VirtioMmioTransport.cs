using System.Buffers.Binary;
using Emu.Io.Bus;
using Emu.Io.Common;
using Emu.Io.Devices;
using Emu.Io.Interrupts;
using Emu.Io.Storage;
using Emu.Memory;
using static Emu.Io.Virtio.VirtioMmioRegister;

namespace Emu.Io.Virtio;

/// <summary>
/// The virtio-mmio version 2 register window (virtio 1.x §4.2) in front of one <see cref="IVirtioDevice"/>.
/// It owns feature negotiation, the device status, the queues and the interrupt line, whose level is
/// (InterruptStatus != 0).
///
/// <see cref="Declaration"/> says what it occupies: <see cref="WindowSize"/> bytes at <see cref="DefaultBase"/>
/// (a device manager marks that page MMIO, so guest accesses exit and device DMA never reaches it), its IRQ
/// line, and in <see cref="VirtioNotifyMode.Poll"/> mode a poll every <see cref="PollInterval"/> retired instructions.
///
/// Access rules: the registers (0x000-0x0FF) answer only aligned 32-bit accesses; anything narrower or
/// unaligned reads 0 and is ignored on write. The configuration space (0x100+) takes 1-, 2- and 4-byte
/// accesses at any offset.
/// </summary>
public sealed partial class VirtioMmioTransport : IIoDevice
{
    public const uint WindowSize = 0x1000;
    public const uint DefaultBase = 0xD_0000;
    public const int DefaultIrq = 11;
    public const uint VersionValue = 2;
    /// <summary>"EMU " in little-endian ASCII.</summary>
    public const uint VendorIdValue = 0x2055_4D45;
    public const int DefaultPollInterval = 1000;

    private readonly IVirtioDevice _device;
    private readonly GuestMemory _memory;
    private readonly IrqLine _irq;
    private readonly SplitVirtqueue[] _queues;
    private uint _deviceFeaturesSel, _driverFeaturesSel, _queueSel;
    private ulong _driverFeatures;
    private uint _status, _interruptStatus;
    private IDeviceEventSink? _events;

    public VirtioMmioTransport(IVirtioDevice device, GuestMemory memory, IrqLine irq,
        VirtioNotifyMode notifyMode = VirtioNotifyMode.Exit, string name = "virtio-mmio", int pollInterval = DefaultPollInterval)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(irq);
        _device = device;
        _memory = memory;
        _irq = irq;
        Name = name;
        NotifyMode = notifyMode;
        _queues = new SplitVirtqueue[device.QueueCount];
        for (int i = 0; i < _queues.Length; i++)
            _queues[i] = new SplitVirtqueue(memory);
        PollInterval = pollInterval;
        Declaration = new DeviceDeclaration(name)
        {
            Reset = Reset,
            Trace = trace => Events = trace,
            Poll = notifyMode == VirtioNotifyMode.Poll ? Poll : null,
            PollInterval = pollInterval,
        };
        Declaration.AddRegion(RegionSpace.Mmio, DefaultBase, WindowSize, this);
        Declaration.AddIrq(irq.Number);
    }

    /// <summary>virtio-blk on <paramref name="backend"/> behind a transport, its IRQ on <paramref name="irqs"/>; the
    /// backend behind an observer, so its host IO is traced under <see cref="BlockBackendTraceName"/> when the device
    /// is. The VMM and a device process build it the same way.</summary>
    public static VirtioMmioTransport ForBlock(GuestMemory memory, IInterruptSink irqs, IBlockBackend backend,
        VirtioNotifyMode notifyMode, int pollInterval = DefaultPollInterval)
    {
        var observed = new ObservedBackend(backend, observer: null);
        var transport = new VirtioMmioTransport(new VirtioBlockDevice(memory, observed), memory, new IrqLine(DefaultIrq, irqs),
            notifyMode, pollInterval: pollInterval);
        transport.Declaration.AddTracedBackend(BlockBackendTraceName, observed);
        return transport;
    }

    /// <summary>The name a virtio disk's host IO has in traces.</summary>
    public const string BlockBackendTraceName = "virtio-blk-backend";

    /// <summary>What the transport occupies: its window, its IRQ, its reset and (poll mode) its poll.</summary>
    public DeviceDeclaration Declaration { get; }

    public string Name { get; }
    public IVirtioDevice Device => _device;
    public IrqLine Irq => _irq;
    public VirtioNotifyMode NotifyMode { get; set; }

    /// <summary>How often (in retired instructions) the hypervisor should call <see cref="Poll"/> in poll mode.
    /// The transport only declares it: scheduling is the hypervisor's.</summary>
    public int PollInterval { get; }

    public VirtioTransportCounters Counters { get; } = new();

    /// <summary>Transport and device events (negotiation, queue set-up, requests, used entries, interrupts,
    /// DEVICE_NEEDS_RESET); null costs one test per event.</summary>
    public IDeviceEventSink? Events
    {
        get => _events;
        set => _events = _device.Events = value;
    }

    public uint Status => _status;
    public uint InterruptStatus => _interruptStatus;
    /// <summary>The features the driver wrote (valid once FEATURES_OK stuck).</summary>
    public ulong DriverFeatures => _driverFeatures;
    internal IReadOnlyList<SplitVirtqueue> Queues => _queues;

    /// <summary>The device may use its queues: features accepted, driver ready, not failed or broken.</summary>
    public bool DriverReady =>
        (_status & (VirtioStatus.FeaturesOk | VirtioStatus.DriverOk)) == (VirtioStatus.FeaturesOk | VirtioStatus.DriverOk)
        && (_status & (VirtioStatus.DeviceNeedsReset | VirtioStatus.Failed)) == 0;

    private bool Negotiated(int bit) => (_driverFeatures & VirtioFeature.Bit(bit)) != 0;
    private SplitVirtqueue? SelectedQueue => _queueSel < (uint)_queues.Length ? _queues[_queueSel] : null;

    public void Read(uint offset, Span<byte> data)
    {
        if (offset >= Config)
        {
            _device.ReadConfig(offset - Config, data);
            return;
        }
        uint value = data.Length == 4 && offset % 4 == 0 ? ReadRegister(offset) : 0;
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)(value >> (8 * i));
    }

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
        if (offset >= Config)
        {
            _device.WriteConfig(offset - Config, data);
            return;
        }
        if (data.Length == 4 && offset % 4 == 0)
            WriteRegister(offset, BinaryPrimitives.ReadUInt32LittleEndian(data));
    }

    public string RegisterName(uint offset, bool write) => NameOf(offset);

    private uint ReadRegister(uint offset)
    {
        var q = SelectedQueue;
        return offset switch
        {
            MagicValue => Magic,
            VirtioMmioRegister.Version => VersionValue,
            VirtioMmioRegister.DeviceId => _device.DeviceId,
            VendorId => VendorIdValue,
            DeviceFeatures => _deviceFeaturesSel switch
            {
                0 => (uint)_device.OfferedFeatures,
                1 => (uint)(_device.OfferedFeatures >> 32),
                _ => 0,
            },
            QueueSizeMax => q?.MaxSize ?? 0u,
            QueueSize => q?.Size ?? 0u,
            QueueReady => q is { Ready: true } ? 1u : 0u,
            VirtioMmioRegister.InterruptStatus => _interruptStatus,
            VirtioMmioRegister.Status => _status,
            QueueDescLow => (uint)(q?.DescTable ?? 0),
            QueueDescHigh => (uint)((q?.DescTable ?? 0) >> 32),
            QueueDriverLow => (uint)(q?.AvailRing ?? 0),
            QueueDriverHigh => (uint)((q?.AvailRing ?? 0) >> 32),
            QueueDeviceLow => (uint)(q?.UsedRing ?? 0),
            QueueDeviceHigh => (uint)((q?.UsedRing ?? 0) >> 32),
            // The block configuration never changes, so the generation stays 0.
            ConfigGeneration => 0,
            // Write-only and reserved registers read 0.
            _ => 0,
        };
    }

    private void WriteRegister(uint offset, uint value)
    {
        var q = SelectedQueue;
        switch (offset)
        {
            case DeviceFeaturesSel:
                _deviceFeaturesSel = value;
                break;
            case DriverFeaturesSel:
                _driverFeaturesSel = value;
                break;
            case VirtioMmioRegister.DriverFeatures:
                WriteDriverFeatures(value);
                break;
            case QueueSel:
                _queueSel = value;
                break;
            case QueueSize:
                q?.SetSize(value);
                break;
            case QueueReady:
                WriteQueueReady(q, value);
                break;
            case QueueNotify:
                Notify(value);
                break;
            case InterruptAck:
                _interruptStatus &= ~value;
                UpdateIrq();
                break;
            case VirtioMmioRegister.Status:
                WriteStatus(value);
                break;
            case QueueDescLow: q?.SetDescTable(SetLow(q.DescTable, value)); break;
            case QueueDescHigh: q?.SetDescTable(SetHigh(q.DescTable, value)); break;
            case QueueDriverLow: q?.SetAvailRing(SetLow(q.AvailRing, value)); break;
            case QueueDriverHigh: q?.SetAvailRing(SetHigh(q.AvailRing, value)); break;
            case QueueDeviceLow: q?.SetUsedRing(SetLow(q.UsedRing, value)); break;
            case QueueDeviceHigh: q?.SetUsedRing(SetHigh(q.UsedRing, value)); break;
            default:
                break; // read-only and reserved registers ignore writes
        }
    }

    private static ulong SetLow(ulong old, uint value) => (old & 0xFFFF_FFFF_0000_0000) | value;
    private static ulong SetHigh(ulong old, uint value) => (old & 0xFFFF_FFFF) | ((ulong)value << 32);

    private void WriteDriverFeatures(uint value)
    {
        // Features are settled once FEATURES_OK stuck: later writes cannot change what the device runs with.
        if ((_status & VirtioStatus.FeaturesOk) != 0 || _driverFeaturesSel > 1)
            return;
        int shift = (int)_driverFeaturesSel * 32;
        _driverFeatures = (_driverFeatures & ~(0xFFFF_FFFFUL << shift)) | ((ulong)value << shift);
    }

    private void WriteStatus(uint value)
    {
        if (value == 0)
        {
            Reset();
            return;
        }
        // DEVICE_NEEDS_RESET is the device's bit: the driver can neither set nor clear it (only reset can).
        uint next = (value & ~VirtioStatus.DeviceNeedsReset) | (_status & VirtioStatus.DeviceNeedsReset);
        if ((next & VirtioStatus.FeaturesOk) != 0 && (_status & VirtioStatus.FeaturesOk) == 0 && !AcceptFeatures())
            next &= ~VirtioStatus.FeaturesOk;
        _status = next;
    }

    /// <summary>FEATURES_OK sticks only for a subset of the offered features that includes VERSION_1 (this
    /// is a modern-only transport: there is no legacy interface to fall back to).</summary>
    private bool AcceptFeatures()
    {
        ulong unknown = _driverFeatures & ~_device.OfferedFeatures;
        if (unknown != 0 || !Negotiated(VirtioFeature.Version1))
        {
            _events?.Note(Name, unknown != 0 ? $"features refused: {unknown:X16} not offered" : "features refused: VERSION_1 not accepted");
            return false;
        }
        _events?.Note(Name, $"features accepted: {_driverFeatures:X16}");
        return true;
    }

    private void WriteQueueReady(SplitVirtqueue? q, uint value)
    {
        if (q is null)
            return;
        if ((value & 1) == 0)
        {
            q.Disable();
            return;
        }
        if (q.Ready)
            return;
        // Queues are set up after feature negotiation (§3.1.1 steps 6-7): the negotiated features decide how
        // the queue behaves (EVENT_IDX, indirect tables), so they must be settled first.
        if ((_status & VirtioStatus.FeaturesOk) == 0)
        {
            _events?.Note(Name, $"queue {_queueSel} refused: FEATURES_OK not set");
            return;
        }
        var refused = q.Enable(Negotiated(VirtioFeature.EventIdx), Negotiated(VirtioFeature.IndirectDesc));
        if (refused.IsNone)
        {
            _events?.Note(Name, $"queue {_queueSel} ready: size {q.Size}, desc {q.DescTable:X}, avail {q.AvailRing:X}, used {q.UsedRing:X}");
            // Poll mode: ask for no notifications from the very first buffer (the driver may have zeroed
            // avail_event / used.flags, which would otherwise invite one kick before the first poll).
            if (NotifyMode == VirtioNotifyMode.Poll && q.ArmNotification(polling: true, out var broken) == QueuePoll.Broken)
                NeedsReset((int)_queueSel, broken);
        }
        else
            _events?.Note(Name, $"queue {_queueSel} refused: {refused}");
    }

    /// <summary>Status = 0 (or a machine reset): everything back to its power-on value, interrupt lowered.</summary>
    public void Reset()
    {
        _status = 0;
        _deviceFeaturesSel = _driverFeaturesSel = _queueSel = 0;
        _driverFeatures = 0;
        foreach (var q in _queues)
            q.Reset();
        _interruptStatus = 0;
        UpdateIrq();
        _device.Reset();
    }
}
