using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Emu.Io.Devices;
using Emu.Io.Interrupts;
using Emu.Io.Remote;
using Emu.Memory;

namespace Emu.Hypervisor.Remote;

/// <summary>
/// The VMM's end of a device process connection (docs/DEVICE-PROTOCOL.md). <see cref="Access"/> sends one
/// access (or reset, poll) and blocks until its Completion, applying on the way what the device reports: IRQ
/// line levels, moved regions, guest RAM it wrote, trace events. Anything wrong — the process died, hung past
/// the timeout, or sent a message this version does not allow — makes the connection <see cref="Failed"/>:
/// the guest is stopped with one line saying what happened, and later accesses read all ones without IO.
/// </summary>
public sealed class DeviceProcessClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly MessageChannel _channel;
    private readonly GuestMemory _memory;
    private readonly HelloFlags _flags;
    private readonly IrqLine[] _lines;
    private readonly Action _failed;
    private IDeviceTrace? _trace;

    private DeviceProcessClient(string socketPath, MessageChannel channel, GuestMemory memory, WelcomeMessage welcome,
        HelloFlags flags, IInterruptSink irqs, Action failed, int pollInterval)
    {
        SocketPath = socketPath;
        _channel = channel;
        _memory = memory;
        _flags = flags;
        _failed = failed;
        Welcome = welcome;
        _lines = [.. welcome.Irqs.Select(irq => new IrqLine(irq, irqs))];
        Declaration = Declare(pollInterval);
    }

    /// <summary>The device as the VMM places it: the same windows, IRQs, reset and poll the model declares in the
    /// device process, each window a <see cref="RemoteRegion"/> that forwards its accesses.</summary>
    public DeviceDeclaration Declaration { get; }

    private DeviceDeclaration Declare(int pollInterval)
    {
        bool polled = Kind == RemoteDeviceKind.VirtioBlock && (_flags & HelloFlags.VirtioPoll) != 0;
        var d = new DeviceDeclaration($"device-process ({Kind})")
        {
            Reset = Reset,
            Poll = polled ? Poll : null,
            PollInterval = pollInterval,
            Trace = AttachTrace,
            Disks = Kind == RemoteDeviceKind.Ata ? [.. Welcome.Disks.Select(disk => new RemoteDiskStandIn(disk))] : [],
        };
        for (int i = 0; i < Welcome.Regions.Count; i++)
        {
            var region = Welcome.Regions[i];
            d.AddRegion(region.Space, region.Base, region.Length, new RemoteRegion(this, i, region.Name));
        }
        foreach (byte irq in Welcome.Irqs)
            d.AddIrq(irq);
        return d;
    }

    public string SocketPath { get; }
    public WelcomeMessage Welcome { get; }
    public RemoteDeviceKind Kind => Welcome.Kind;

    /// <summary>Why the connection failed, or null while it works or after a clean Goodbye.</summary>
    public DeviceFailure? Failure { get; private set; }

    // Closed by this side after Goodbye: no failure, but no more requests either.
    private bool _closed;

    private bool Usable => Failure is null && !_closed;


    // ---- statistics: every request is timed (two clock reads beside a ~10 µs round trip) ----
    public long Requests { get; private set; }
    public long RoundTripTicks { get; private set; }
    public long DeviceNs { get; private set; }

    /// <summary>Connects, says Hello with the shared RAM file, reads Welcome. Throws <see cref="DeviceProcessException"/>
    /// with one line when nothing listens, the peer refuses, or it is not a device process of this version.</summary>
    /// <param name="irqs">Where the device's IRQ lines end (the machine's 8259s).</param>
    /// <param name="failed">Called once if the connection fails: the machine stops the guest.</param>
    /// <param name="pollInterval">Retired instructions between polls of a poll-mode virtqueue.</param>
    public static DeviceProcessClient Connect(string socketPath, SharedRamStore ram, GuestMemory memory, HelloFlags flags, TimeSpan timeout,
        IInterruptSink irqs, Action failed, int pollInterval)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new DeviceProcessException(e.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable or SocketError.ConnectionRefused when !File.Exists(socketPath) =>
                    new DeviceProcessError(DeviceProcessFault.NoProcess, socketPath),
                SocketError.ConnectionRefused => new DeviceProcessError(DeviceProcessFault.StaleSocket, socketPath),
                _ => new DeviceProcessError(DeviceProcessFault.CannotConnect, socketPath, Detail: e.Message),
            });
        }
        var channel = new MessageChannel(socket) { ReceiveTimeout = timeout };
        try
        {
            channel.Send(MessageType.Hello, new HelloMessage(flags, ram.Path).Encode(channel.Payload));
            var type = channel.Receive(out var payload);
            if (type == MessageType.Error)
                throw new DeviceProtocolException(ProtocolFault.PeerGaveUp, ErrorMessage.Decode(payload).Text);
            if (type != MessageType.Welcome)
                throw new DeviceProtocolException(ProtocolFault.UnexpectedMessage, $"expected Welcome, got {type}");
            var welcome = WelcomeMessage.Decode(payload);
            ram.Unlink(); // both processes have it mapped; no name is left behind if either dies
            return new DeviceProcessClient(socketPath, channel, memory, welcome, flags, irqs, failed, pollInterval);
        }
        catch (DeviceProtocolException e)
        {
            channel.Dispose();
            throw new DeviceProcessException(new DeviceProcessError(DeviceProcessFault.Handshake, socketPath, Detail: e.Message, Protocol: e.Fault));
        }
    }

    /// <summary>Sends the page kinds; the device refuses DMA outside RAM by them.</summary>
    public void SendMemoryMap(ReadOnlySpan<PageKind> kinds)
    {
        if (!Usable)
            return;
        int length = MemoryMapMessage.Encode(_channel.Payload, kinds);
        Exchange(MessageType.MemoryMap, length, "sending the memory map");
    }

    /// <summary>Turns the device's events and host-time measurement on (a trace) or off (null), and routes them and
    /// each request's hops into the trace.</summary>
    private void AttachTrace(IDeviceTrace? trace)
    {
        _trace = trace;
        if (!Usable)
            return;
        var flags = _flags & HelloFlags.VirtioPoll;
        if (trace is not null)
            flags |= HelloFlags.Events | (trace.HostTime ? HelloFlags.HostTime : HelloFlags.None);
        Exchange(MessageType.Configure, ConfigureMessage.Encode(_channel.Payload, flags), "configuring events");
    }

    /// <summary>One guest access to region <paramref name="region"/>; the value of a read (all ones if the connection failed).</summary>
    public uint Access(int region, uint offset, int size, bool write, uint value)
    {
        if (!Usable)
            return GuestMemory.AllOnes(size);
        var access = new AccessMessage((byte)region, (byte)size, write, offset, write ? value : 0);
        _current = access;
        int length = access.Encode(_channel.Payload);
        return Exchange(MessageType.Access, length, null) ?? GuestMemory.AllOnes(size);
    }

    // The access in flight, described only if it fails or is traced (no string per access otherwise).
    private AccessMessage _current;

    private string Describe(in AccessMessage a)
    {
        var region = Welcome.Regions[a.Region];
        string where = region.Space switch
        {
            RegionSpace.Port when region.Decoded => $"port {region.Base + a.Offset:X4}",
            RegionSpace.Mmio => $"address {region.Base + a.Offset:X5}",
            _ => $"offset {a.Offset:X2}",
        };
        return $"a {a.Size}-byte {(a.IsWrite ? $"write of {a.Value:X}" : "read")} of {region.Name} ({where})";
    }

    private readonly Dictionary<(int Region, uint Offset), (string Read, string Write)> _names = [];

    /// <summary>A register's name as the device process reported it ("status", "command"), else "+offset".</summary>
    public string RegisterName(int region, uint offset, bool write) =>
        _names.TryGetValue((region, offset), out var n) ? (write ? n.Write : n.Read) : $"+{offset:X2}";

    private long _lastAliveCheck;

    /// <summary>Between accesses nothing is read from the socket, so a device process that died while the guest
    /// was busy elsewhere would go unnoticed until the next access: the run loop asks here (at most every 100 ms
    /// of host time, one non-blocking poll). False when the connection has failed.</summary>
    public bool CheckAlive()
    {
        if (!Usable)
            return Failure is null;
        long now = Stopwatch.GetTimestamp();
        if (now - _lastAliveCheck < Stopwatch.Frequency / 10)
            return true;
        _lastAliveCheck = now;
        if (_channel.HasInput)
        {
            // Nothing is outstanding: any input is either the end of the stream or a message out of turn.
            try
            {
                var type = _channel.Receive(out var payload);
                Fail(type == MessageType.Error
                    ? new(ProtocolFault.PeerGaveUp, SocketPath, Welcome.ProcessId, null, $"the device process gave up: {ErrorMessage.Decode(payload).Text}")
                    : new(ProtocolFault.UnexpectedMessage, SocketPath, Welcome.ProcessId, null, $"an unrequested {type} message"));
            }
            catch (DeviceProtocolException e)
            {
                Fail(new(e.Fault, SocketPath, Welcome.ProcessId, null, e.Message));
            }
            return false;
        }
        return true;
    }

    /// <summary>Where the device's events go now (a trace), or null.</summary>
    public IDeviceTrace? Trace => _trace;

    /// <summary>Programs the assigned VF's IOMMU domain with one range of this guest's memory.</summary>
    public void MapIommu(in IommuMapMessage map)
    {
        if (Usable)
            Exchange(MessageType.IommuMap, map.Encode(_channel.Payload), $"mapping IOVA {map.Iova:X}+{map.Length:X} in the IOMMU");
    }

    /// <summary>Tells the assigned VF where to send its posted-interrupt notifications.</summary>
    public void SetUpPostedInterrupts(string socketName)
    {
        if (Usable)
            Exchange(MessageType.PostedInterrupts, PostedInterruptsMessage.Encode(_channel.Payload, socketName), "setting up posted interrupts");
    }

    public void Reset()
    {
        if (Usable)
            Exchange(MessageType.Reset, 0, "resetting the device");
    }

    /// <summary>A poll point of a poll-mode virtqueue: true when the device found work.</summary>
    public bool Poll() => Usable && Exchange(MessageType.Poll, 0, "polling the virtqueue") == 1;

    /// <summary>Tells the device the machine is going away (it flushes its disks), then closes.</summary>
    public void Goodbye()
    {
        if (Usable)
            Exchange(MessageType.Goodbye, 0, "saying goodbye");
        _closed = true;
        _channel.Dispose();
    }

    /// <param name="what">What the request is for messages; null for the access in <see cref="_current"/>.</param>
    private uint? Exchange(MessageType type, int length, string? what)
    {
        long start = Stopwatch.GetTimestamp();
        var trace = _trace;
        try
        {
            _channel.Send(type, length);
            trace?.Note("device-process", $"forward {type}: {what ?? Describe(_current)}", Math.Max(1, Stopwatch.GetTimestamp() - start));
            for (int received = 0; ; received++)
            {
                if (received > DeviceProtocol.MaxMessagesPerRequest)
                    throw new DeviceProtocolException(ProtocolFault.Flooded, $"more than {DeviceProtocol.MaxMessagesPerRequest:N0} messages without a Completion");
                var reply = _channel.Receive(out var payload);
                switch (reply)
                {
                    case MessageType.Completion:
                        var done = CompletionMessage.Decode(payload);
                        long ticks = Stopwatch.GetTimestamp() - start;
                        Requests++;
                        RoundTripTicks += ticks;
                        DeviceNs += done.DeviceNs;
                        trace?.Note("device-process", $"reply value={done.Value:X} device work {done.DeviceNs:N0} ns", ticks);
                        return done.Value;
                    case MessageType.Irq:
                        var irq = IrqMessage.Decode(payload, _lines.Length);
                        _lines[irq.Line].Set(irq.Level);
                        break;
                    case MessageType.RegionMoved:
                        var moved = RegionMovedMessage.Decode(payload, Welcome.Regions);
                        Declaration.Move(moved.Region, moved.Base);
                        break;
                    case MessageType.MemoryWritten:
                        var written = MemoryWrittenMessage.Decode(payload);
                        if (!_memory.NoteExternalWrite(written.Address, (int)written.Length))
                            throw new DeviceProtocolException(ProtocolFault.ImpossibleDma, $"the device reports writing {written.Length} bytes at {written.Address:X5}, which is not guest RAM");
                        break;
                    case MessageType.RegisterNames:
                        var names = RegisterNamesMessage.Decode(payload, Welcome.Regions);
                        foreach (var (offset, read, write) in names.Names)
                            _names[(names.Region, offset)] = (read, write);
                        break;
                    case MessageType.Event:
                        var e = EventMessage.Decode(payload);
                        _trace?.Note(e.Device, e.Text, NsToTicks(e.HostNs));
                        break;
                    case MessageType.Error:
                        throw new DeviceProtocolException(ProtocolFault.PeerGaveUp, $"the device process gave up: {ErrorMessage.Decode(payload).Text}");
                    default:
                        throw new DeviceProtocolException(ProtocolFault.UnexpectedMessage, $"unexpected {reply} message from the device process");
                }
            }
        }
        catch (DeviceProtocolException e)
        {
            Fail(new(e.Fault, SocketPath, Welcome.ProcessId, what ?? Describe(_current), e.Message));
            return null;
        }
    }

    private void Fail(DeviceFailure failure)
    {
        if (Failure is not null)
            return;
        Failure = failure;
        _channel.Dispose();
        _failed();
    }

    public void Dispose() => _channel.Dispose();

    private static long NsToTicks(long ns) => (long)(ns * (Stopwatch.Frequency / 1e9));

    /// <summary>Reads the little-endian value of an access's bytes.</summary>
    internal static uint ValueOf(ReadOnlySpan<byte> data)
    {
        Span<byte> four = stackalloc byte[4];
        four.Clear();
        data.CopyTo(four);
        return BinaryPrimitives.ReadUInt32LittleEndian(four);
    }
}

/// <summary>
/// Why a working device process connection failed: the <see cref="Fault"/> (died, timed out, flooded, gave up,
/// or which rule of the protocol it broke), the process, the request it failed during (null: it failed between
/// requests, while the guest ran) and the detail of the message at fault. <see cref="ToString"/> is the one place
/// it becomes the line the user sees.
/// </summary>
public sealed record DeviceFailure(ProtocolFault Fault, string SocketPath, int ProcessId, string? During, string Detail)
{
    public override string ToString()
    {
        string process = $"device process at '{SocketPath}' (pid {ProcessId})";
        if (During is not null)
            return $"{process} failed during {During}: {Detail}";
        return Fault is ProtocolFault.PeerGaveUp or ProtocolFault.UnexpectedMessage
            ? $"{process} sent {Detail} while the guest ran"
            : $"{process} went away while the guest ran: {Detail}";
    }
}
