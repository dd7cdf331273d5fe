using System.Buffers.Binary;
using System.Net.Sockets;

namespace Emu.Io.Remote;

/// <summary>
/// Framed messages over a connected stream socket. A header is u16 type, u16 zero, u32 payload length; the
/// receiver checks all three before reading the payload, so a peer cannot make it allocate, over-read or wait
/// for a payload longer than <see cref="DeviceProtocol.MaxPayload"/>. Buffers are allocated once: sending and
/// receiving an access allocates nothing. Not thread-safe: one request is outstanding at a time.
/// </summary>
public sealed class MessageChannel : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _send = new byte[DeviceProtocol.HeaderSize + DeviceProtocol.MaxPayload];
    private readonly byte[] _receive = new byte[DeviceProtocol.HeaderSize + DeviceProtocol.MaxPayload];

    public MessageChannel(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>How long <see cref="Receive"/> waits for a message; infinite by default.</summary>
    public TimeSpan ReceiveTimeout
    {
        get => TimeSpan.FromMilliseconds(_socket.ReceiveTimeout);
        set => _socket.ReceiveTimeout = value == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Clamp(value.TotalMilliseconds, 1, int.MaxValue);
    }

    /// <summary>How long <see cref="Receive"/> polls for a message before it blocks in the kernel. A blocked
    /// thread's wake-up costs tens of microseconds on an idle (virtualised) host, more than the whole exchange;
    /// a reply, or the next request of a guest in a PIO loop, usually comes within a few microseconds.</summary>
    public TimeSpan SpinBeforeBlocking { get; set; } = TimeSpan.FromMicroseconds(50);

    /// <summary>True when a read would not block: a message (or the end of the stream) is waiting.</summary>
    public bool HasInput
    {
        get
        {
            try
            {
                return _socket.Poll(0, SelectMode.SelectRead);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return true; // the next Receive reports it
            }
        }
    }

    /// <summary>Where to write the next message's payload.</summary>
    public Span<byte> Payload => _send.AsSpan(DeviceProtocol.HeaderSize, DeviceProtocol.MaxPayload);

    /// <summary>Sends the payload written into <see cref="Payload"/>.</summary>
    public void Send(MessageType type, int payloadLength)
    {
        if ((uint)payloadLength > DeviceProtocol.MaxPayload)
            throw new ArgumentOutOfRangeException(nameof(payloadLength));
        BinaryPrimitives.WriteUInt16LittleEndian(_send, (ushort)type);
        BinaryPrimitives.WriteUInt16LittleEndian(_send.AsSpan(2), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(_send.AsSpan(4), (uint)payloadLength);
        var span = _send.AsSpan(0, DeviceProtocol.HeaderSize + payloadLength);
        try
        {
            while (!span.IsEmpty)
            {
                int n = _socket.Send(span, SocketFlags.None);
                span = span[n..];
            }
        }
        catch (SocketException e) when (PeerGone(e))
        {
            throw new DeviceProtocolException(ProtocolFault.ConnectionLost, $"the other side closed the connection (sending {type}: {e.Message})");
        }
        catch (SocketException e)
        {
            throw new DeviceProtocolException(ProtocolFault.ConnectionLost, $"the connection failed while sending {type}: {e.Message}");
        }
        catch (ObjectDisposedException)
        {
            throw new DeviceProtocolException(ProtocolFault.ConnectionLost, $"the connection is closed (sending {type})");
        }
    }

    /// <summary>Sends a message without payload.</summary>
    public void Send(MessageType type) => Send(type, 0);

    /// <summary>Waits for the next message. The payload stays valid until the next Receive.</summary>
    /// <exception cref="DeviceProtocolException">End of stream, timeout, a socket error or a bad header.</exception>
    public MessageType Receive(out ReadOnlySpan<byte> payload)
    {
        Spin();
        ReadExactly(_receive.AsSpan(0, DeviceProtocol.HeaderSize), headerStart: true);
        ushort rawType = BinaryPrimitives.ReadUInt16LittleEndian(_receive);
        ushort zero = BinaryPrimitives.ReadUInt16LittleEndian(_receive.AsSpan(2));
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_receive.AsSpan(4));
        var type = (MessageType)rawType;
        if (!Enum.IsDefined(type))
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"unknown message type {rawType}");
        if (zero != 0)
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"{type} message: header bytes 2-3 are {zero:X4}, not zero");
        if (length > DeviceProtocol.MaxPayload)
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"{type} message of {length} bytes (at most {DeviceProtocol.MaxPayload})");
        var body = _receive.AsSpan(DeviceProtocol.HeaderSize, (int)length);
        ReadExactly(body, headerStart: false);
        payload = body;
        return type;
    }

    private void Spin()
    {
        long spinTicks = (long)(SpinBeforeBlocking.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        if (spinTicks <= 0)
            return;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            while (_socket.Available == 0 && System.Diagnostics.Stopwatch.GetTimestamp() - start < spinTicks)
                Thread.SpinWait(1);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the blocking read below reports it
        }
    }

    private void ReadExactly(Span<byte> buffer, bool headerStart)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n;
            try
            {
                n = _socket.Receive(buffer[done..], SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                throw new DeviceProtocolException(ProtocolFault.TimedOut, $"no message within {ReceiveTimeout.TotalSeconds:0.###} s");
            }
            catch (SocketException e) when (PeerGone(e))
            {
                throw new DeviceProtocolException(ProtocolFault.ConnectionLost, $"the other side closed the connection ({e.Message})");
            }
            catch (SocketException e)
            {
                throw new DeviceProtocolException(ProtocolFault.ConnectionLost, $"the connection failed: {e.Message}");
            }
            catch (ObjectDisposedException)
            {
                throw new DeviceProtocolException(ProtocolFault.ConnectionLost, "the connection is closed");
            }
            if (n == 0)
                throw new DeviceProtocolException(ProtocolFault.ConnectionLost, headerStart && done == 0
                    ? "the other side closed the connection"
                    : $"the other side closed the connection in the middle of a message ({done} of {buffer.Length} bytes)");
            done += n;
        }
    }

    // A peer that died or closed its end shows up as end of stream, a reset or a broken pipe, depending on which
    // call noticed first: all of them mean the same to the user, so they are reported the same way.
    private static bool PeerGone(SocketException e) => e.SocketErrorCode is SocketError.ConnectionReset
        or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected;

    public void Dispose() => _socket.Dispose();
}
