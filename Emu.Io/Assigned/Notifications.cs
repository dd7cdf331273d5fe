using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Emu.Io.Assigned;

/// <summary>
/// The device-to-VMM doorbell of posted interrupts: a Unix datagram socket in the abstract namespace that the VMM
/// binds and the device server sends to. A notification is one byte: "look at the posted-interrupt descriptor"
/// (the VMM turns it into the CPU's attention at the next instruction boundary, no VM exit). While the VMM traces,
/// the device's events travel the same way, in order with the notifications. Layouts: a notification is
/// [1]; an event is [2, u64 host ns, u16 length, device (UTF-8), u16 length, text (UTF-8)].
/// A notification never waits: when the VMM's queue is full, notifications are already waiting in it, each of which
/// makes the VMM read the descriptor, so nothing is lost. An event waits for room (up to a second): a trace
/// wants every event, and tracing may be slow.
/// </summary>
public sealed class NotificationSender : IDisposable
{
    public const byte Notification = 1, Event = 2;
    private const int MaxDatagram = 1024;
    private readonly Socket _notifications, _events;
    private readonly byte[] _buffer = new byte[MaxDatagram];

    private NotificationSender(Socket notifications, Socket events)
    {
        _notifications = notifications;
        _events = events;
    }

    /// <summary>Connects to the VMM's socket <paramref name="name"/> (abstract: no file); null when it cannot.</summary>
    public static NotificationSender? Connect(string name)
    {
        var notifications = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var events = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 1000 };
        try
        {
            notifications.Connect(new UnixDomainSocketEndPoint("\0" + name));
            notifications.Blocking = false;
            events.Connect(new UnixDomainSocketEndPoint("\0" + name));
            return new NotificationSender(notifications, events);
        }
        catch (SocketException)
        {
            notifications.Dispose();
            events.Dispose();
            return null;
        }
    }

    public void Notify()
    {
        _buffer[0] = Notification;
        Send(_notifications, 1);
    }

    public void Note(long hostNs, string device, string text)
    {
        _buffer[0] = Event;
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(1), hostNs);
        int at = 9;
        at = Put(device, at);
        at = Put(text, at);
        Send(_events, at);
    }

    private int Put(string text, int at)
    {
        int room = (MaxDatagram - at - 2) / 2;
        int length = Encoding.UTF8.GetBytes(text.AsSpan(0, Math.Min(text.Length, room / 3)), _buffer.AsSpan(at + 2));
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(at), (ushort)length);
        return at + 2 + length;
    }

    private void Send(Socket socket, int length)
    {
        try
        {
            socket.Send(_buffer.AsSpan(0, length));
        }
        catch (SocketException)
        {
            // The VMM is gone or its queue is full: the descriptor still holds the pending vectors.
        }
    }

    /// <summary>Decodes an event datagram; false for anything else (a notification, or garbage).</summary>
    public static bool TryDecodeEvent(ReadOnlySpan<byte> datagram, out long hostNs, out string device, out string text)
    {
        hostNs = 0;
        device = text = "";
        if (datagram.Length < 13 || datagram[0] != Event)
            return false;
        hostNs = BinaryPrimitives.ReadInt64LittleEndian(datagram[1..]);
        int at = 9;
        return TryGet(datagram, ref at, out device) && TryGet(datagram, ref at, out text) && at == datagram.Length;
    }

    private static bool TryGet(ReadOnlySpan<byte> datagram, ref int at, out string text)
    {
        text = "";
        if (at + 2 > datagram.Length)
            return false;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(datagram[at..]);
        if (at + 2 + length > datagram.Length)
            return false;
        text = Encoding.UTF8.GetString(datagram.Slice(at + 2, length));
        at += 2 + length;
        return true;
    }

    public void Dispose()
    {
        _notifications.Dispose();
        _events.Dispose();
    }
}
