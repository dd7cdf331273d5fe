using System.Diagnostics;
using Emu.Io.Common;
using Emu.Io.Devices;
using Emu.Io.Interrupts;
using Emu.Io.Storage;
using Emu.Io.Virtio;
using Emu.Memory;

namespace Emu.Io.Remote;

/// <summary>
/// The device process's side of one VMM connection (one guest): Hello → Welcome → MemoryMap, then requests until Goodbye or
/// the connection ends. Every message is checked before it acts; a bad one is answered with an Error and ends the
/// session (not the process). IRQ changes, DMA writes and events are sent the moment the device model makes them,
/// so the VMM, which reads until the Completion, applies them in order before the guest runs again. Sessions of
/// different guests run on threads of their own and share nothing but the image their disks are windows of.
/// </summary>
internal sealed class DeviceSession : IInterruptSink, IDmaWriteObserver, IDeviceTrace
{
    private readonly MessageChannel _channel;
    private readonly DeviceServerOptions _options;
    private readonly IReadOnlyList<ServedDisk> _disks;
    private readonly int _slot;
    private HostedDevice? _device;
    private Assigned.VirtualFunction? _vf;
    private GuestMemory? _memory;
    private Dictionary<int, byte> _lineOfIrq = [];
    private bool _hostTime;
    private bool _mapped;
    private bool _flushedAtGoodbye;

    /// <summary>The session of guest <paramref name="slot"/>: its device model sees that guest's disks only.</summary>
    public DeviceSession(MessageChannel channel, DeviceServerOptions options, int slot)
    {
        _channel = channel;
        _options = options;
        _disks = options.DisksOf(slot);
        _slot = slot;
    }

    /// <summary>Requests served (accesses, polls, resets).</summary>
    public long Requests { get; private set; }

    /// <summary>Serves the connection to its end; returns why it ended (one line). Never throws for anything the
    /// peer sends.</summary>
    public string Serve()
    {
        SharedRamStore? store = null;
        try
        {
            var hello = HelloMessage.Decode(Expect(MessageType.Hello));
            try
            {
                store = SharedRamStore.Open(hello.RamPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new DeviceProtocolException(ProtocolFault.BadField, $"cannot map guest RAM '{hello.RamPath}': {e.Message}");
            }
            _memory = new GuestMemory(store) { DmaWriteObserver = this };
            _device = _options.Kind == RemoteDeviceKind.Assigned
                ? AssignFunction(store)
                : CreateDevice(_memory, (hello.Flags & HelloFlags.VirtioPoll) != 0 ? VirtioNotifyMode.Poll : VirtioNotifyMode.Exit);
            ApplyFlags(hello.Flags);
            var welcome = new WelcomeMessage(_device.Kind, Environment.ProcessId, _device.Regions, _device.Irqs, DiskInfos());
            _channel.Send(MessageType.Welcome, welcome.Encode(_channel.Payload));
            return Loop();
        }
        catch (DeviceProtocolException e)
        {
            TrySendError(e.Message);
            return e.Message;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault in the device model itself: this session is over, the process and its disks are not.
            string text = $"device model failed: {e.GetType().Name}: {e.Message}";
            TrySendError(text);
            return text;
        }
        finally
        {
            if (_vf is not null)
                _options.Function!.Detach(_vf); // no DMA reaches this guest's memory from here on
            if (!_flushedAtGoodbye)
                FlushDisks(); // the VMM vanished or broke the protocol: make what it wrote durable all the same
            store?.Dispose();
        }
    }

    private string Loop()
    {
        var device = _device!;
        var regions = device.Regions; // lengths never change (a move changes a base only): decode checks against this
        Span<byte> data = stackalloc byte[4];
        while (true)
        {
            var type = _channel.Receive(out var payload);
            long start = Stopwatch.GetTimestamp();
            uint value = 0;
            switch (type)
            {
                case MessageType.MemoryMap:
                    ApplyMemoryMap(MemoryMapMessage.Decode(payload));
                    SendRegisterNames(device);
                    break;
                case MessageType.Access:
                    if (!_mapped)
                        throw new DeviceProtocolException(ProtocolFault.UnexpectedMessage, "Access before MemoryMap: the device does not know guest memory's layout yet");
                    var access = AccessMessage.Decode(payload, regions);
                    data.Clear();
                    var bytes = data[..access.Size];
                    if (access.IsWrite)
                    {
                        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(data, access.Value);
                        device.Write(access.Region, access.Offset, bytes);
                    }
                    else
                    {
                        device.Read(access.Region, access.Offset, bytes);
                        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data);
                    }
                    break;
                case MessageType.Configure:
                    ApplyFlags(ConfigureMessage.Decode(payload));
                    break;
                case MessageType.Reset:
                    EmptyMessage.Decode(payload, type);
                    device.Reset();
                    break;
                case MessageType.Poll:
                    EmptyMessage.Decode(payload, type);
                    value = device.Poll() ? 1u : 0u;
                    break;
                case MessageType.IommuMap:
                    var map = IommuMapMessage.Decode(payload);
                    _options.Function!.Program(AssignedOnly(type), vf =>
                        vf.Domain.Map(map.Iova, Assigned.HostPhysicalMemory.SlotBase(vf.Number) + map.RamOffset, map.Length, map.Access));
                    break;
                case MessageType.PostedInterrupts:
                    string name = PostedInterruptsMessage.Decode(payload);
                    var notifier = Assigned.NotificationSender.Connect(name)
                        ?? throw new DeviceProtocolException(ProtocolFault.BadField, $"PostedInterrupts message: no notification socket '{name}' to send to");
                    _options.Function!.Program(AssignedOnly(type), vf => vf.UseNotifier(notifier));
                    break;
                case MessageType.Goodbye:
                    EmptyMessage.Decode(payload, type);
                    FlushDisks();
                    _flushedAtGoodbye = true;
                    Complete(0, start);
                    return $"the VMM said goodbye after {Requests:N0} requests";
                case MessageType.Error:
                    return $"the VMM gave up: {ErrorMessage.Decode(payload).Text}";
                default:
                    throw new DeviceProtocolException(ProtocolFault.UnexpectedMessage, $"unexpected {type} message from the VMM");
            }
            Requests++;
            Complete(value, start);
        }
    }

    private void SendRegisterNames(HostedDevice device)
    {
        foreach (var names in device.RegisterNames())
        {
            for (int sent = 0; sent < names.Names.Count;)
            {
                int length = names.Encode(_channel.Payload, sent, out int count);
                _channel.Send(MessageType.RegisterNames, length);
                sent += Math.Max(count, 1);
            }
        }
    }

    // Events cost a message each, so they are sent only while the VMM traces device events.
    private void ApplyFlags(HelloFlags flags)
    {
        _hostTime = (flags & HelloFlags.HostTime) != 0;
        _device!.AttachTrace((flags & HelloFlags.Events) != 0 ? this : null);
    }

    private void FlushDisks()
    {
        foreach (var disk in _disks)
            disk.Backend.Flush();
    }

    private void Complete(uint value, long start)
    {
        long ns = (long)((Stopwatch.GetTimestamp() - start) * (1e9 / Stopwatch.Frequency));
        _channel.Send(MessageType.Completion, new CompletionMessage(value, ns).Encode(_channel.Payload));
    }

    private ReadOnlySpan<byte> Expect(MessageType wanted)
    {
        var type = _channel.Receive(out var payload);
        if (type == MessageType.Error)
            throw new DeviceProtocolException(ProtocolFault.PeerGaveUp, $"the VMM gave up: {ErrorMessage.Decode(payload).Text}");
        if (type != wanted)
            throw new DeviceProtocolException(ProtocolFault.UnexpectedMessage, $"expected {wanted}, got {type}");
        return payload;
    }

    private HostedDevice CreateDevice(GuestMemory memory, VirtioNotifyMode mode)
    {
        // The backends live as long as the process; the device only observes them (for events).
        var disks = _disks.Select(d => (AttachedDisk?)new AttachedDisk(d.Backend, d.ImagePath)).ToList();
        var device = HostedDevice.Create(_options.Kind, memory, this, disks, mode,
            (region, start) => _channel.Send(MessageType.RegionMoved, new RegionMovedMessage((byte)region, start).Encode(_channel.Payload)));
        int line = 0;
        _lineOfIrq = device.Irqs.ToDictionary(irq => (int)irq, _ => (byte)line++);
        return device;
    }

    // The VMM gets a free virtual function of the physical function, its register page placed in its guest memory.
    private HostedDevice AssignFunction(SharedRamStore store)
    {
        var pf = _options.Function!;
        _vf = pf.Attach(_slot, store);
        return HostedDevice.ForFunction(pf, _vf, (_, _) => { });
    }

    private Assigned.VirtualFunction AssignedOnly(MessageType type) =>
        _vf ?? throw new DeviceProtocolException(ProtocolFault.UnexpectedMessage, $"{type} message to a device that is not assigned");

    private List<DiskInfo> DiskInfos() => _vf is { } vf
        ? [new DiskInfo(vf.Name, Path.GetFullPath(_options.Disks[0].Spec.Path), vf.Sectors * Assigned.VfLayout.SectorSize, _options.Disks[0].Backend.ReadOnly,
            vf.FirstSector * Assigned.VfLayout.SectorSize)]
        : _disks.Select((d, i) => new DiskInfo(_options.DiskName(i), Path.GetFullPath(d.ImagePath), d.Backend.CapacityBytes, d.Backend.ReadOnly, d.Offset)).ToList();

    // The VMM's page kinds, so that DMA here refuses exactly what it refuses there.
    private void ApplyMemoryMap(PageKind[] kinds)
    {
        int pages = (int)(GuestMemory.Size >> GuestMemory.PageShift);
        for (int i = 0; i < pages; i++)
            _memory!.Map((uint)i << GuestMemory.PageShift, GuestMemory.PageSize, kinds[i]);
        _mapped = true;
    }

    private void TrySendError(string text)
    {
        try
        {
            _channel.Send(MessageType.Error, new ErrorMessage(text).Encode(_channel.Payload));
        }
        catch (DeviceProtocolException)
        {
            // The VMM is gone already.
        }
    }

    // ---- what the device model reports while it works ----

    void IInterruptSink.SetIrqLevel(int irq, bool level) =>
        _channel.Send(MessageType.Irq, new IrqMessage(_lineOfIrq[irq], level).Encode(_channel.Payload));

    void IDmaWriteObserver.DmaWritten(uint physicalAddress, int length) =>
        _channel.Send(MessageType.MemoryWritten, new MemoryWrittenMessage(physicalAddress, (uint)length).Encode(_channel.Payload));

    void IDeviceEventSink.Note(string device, string what) => SendEvent(0, device, what);

    bool IDeviceTrace.HostTime => _hostTime;

    void IDeviceTrace.Note(string device, string what, long hostTicks) => SendEvent(hostTicks, device, what);

    private void SendEvent(long hostTicks, string device, string text)
    {
        long ns = (long)(hostTicks * (1e9 / Stopwatch.Frequency));
        _channel.Send(MessageType.Event, new EventMessage(ns, device, text).Encode(_channel.Payload));
    }
}
