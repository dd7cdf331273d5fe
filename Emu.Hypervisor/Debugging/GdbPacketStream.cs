using System.Net.Sockets;
using System.Text;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// The framing of gdb's remote serial protocol over one connection: <c>$payload#checksum</c> packets, the
/// <c>+</c>/<c>-</c> acknowledgements (until gdb turns them off with QStartNoAckMode), the escaping of binary
/// data, and the lone 0x03 byte gdb sends for Ctrl-C. Payloads are Latin-1 strings: one char per byte.
/// </summary>
public sealed class GdbPacketStream(Socket socket) : IDisposable
{
    /// <summary>The byte gdb sends, outside any packet, to interrupt a running target.</summary>
    public const char Interrupt = '\x03';

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    /// <summary>True once gdb asked for no acknowledgements.</summary>
    public bool NoAck { get; set; }

    /// <summary>Ends a wait for gdb's next byte as if the connection closed (Ctrl-C on emu while gdb is idle).</summary>
    public CancellationToken Cancel { get; set; }

    /// <summary>Waits for the next packet and returns its payload (escapes still in, see <see cref="Unescape"/>), or
    /// <see cref="Interrupt"/> as a one-char string for Ctrl-C; null when gdb closed the connection.</summary>
    public string? Read()
    {
        while (true)
        {
            int b = ReadByte();
            switch (b)
            {
                case -1:
                    return null;
                case '$':
                    if (ReadPayload() is { } payload)
                        return payload;
                    break; // a bad checksum: NAKed, gdb sends it again
                case 0x03:
                    return Interrupt.ToString();
                default:
                    break; // '+', '-' and noise between packets
            }
        }
    }

    private string? ReadPayload()
    {
        var payload = new StringBuilder();
        int sum = 0;
        while (true)
        {
            int b = ReadByte();
            if (b < 0)
                return null;
            if (b == '#')
                break;
            payload.Append((char)b);
            sum += b;
        }
        int high = ReadByte(), low = ReadByte();
        bool good = high >= 0 && low >= 0 && Convert.ToByte($"{(char)high}{(char)low}", 16) == (byte)sum;
        if (!NoAck)
            SendRaw(good ? "+" : "-");
        return good ? payload.ToString() : null;
    }

    /// <summary>Sends one packet; with acknowledgements on, waits for gdb's '+' (resending on '-').</summary>
    public void Send(string payload)
    {
        var packet = new StringBuilder(payload.Length + 4).Append('$');
        int sum = 0;
        foreach (char c in payload)
        {
            if (c is '$' or '#' or '}' or '*')
            {
                packet.Append('}').Append((char)(c ^ 0x20));
                sum += '}' + (c ^ 0x20);
            }
            else
            {
                packet.Append(c);
                sum += c;
            }
        }
        packet.Append('#').Append(((byte)sum).ToString("x2"));
        string text = packet.ToString();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            SendRaw(text);
            if (NoAck)
                return;
            int answer;
            do
                answer = ReadByte();
            while (answer is not ('+' or '-' or -1));
            if (answer != '-')
                return;
        }
    }

    /// <summary>What gdb did while the target ran, as seen between two slices.</summary>
    public enum RunningEvent
    {
        None,
        /// <summary>gdb sent Ctrl-C.</summary>
        Interrupt,
        /// <summary>gdb closed the connection.</summary>
        Closed,
    }

    /// <summary>While the target runs: whether gdb sent Ctrl-C or went away, without waiting (other bytes are
    /// dropped: gdb sends nothing else until the stop reply).</summary>
    public RunningEvent Poll()
    {
        try
        {
            while (_start < _end || socket.Available > 0)
            {
                switch (ReadByte())
                {
                    case 0x03:
                        return RunningEvent.Interrupt;
                    case -1:
                        return RunningEvent.Closed;
                }
            }
            // Readable with nothing to read: the peer closed the connection.
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0 ? RunningEvent.Closed : RunningEvent.None;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return RunningEvent.Closed;
        }
    }

    /// <summary>Undoes the escaping of binary data (X packets): '}' followed by a byte XOR 0x20.</summary>
    public static byte[] Unescape(ReadOnlySpan<char> data)
    {
        var bytes = new List<byte>(data.Length);
        for (int i = 0; i < data.Length; i++)
            bytes.Add(data[i] == '}' && i + 1 < data.Length ? (byte)(data[++i] ^ 0x20) : (byte)data[i]);
        return [.. bytes];
    }

    private int ReadByte()
    {
        if (_start == _end)
        {
            try
            {
                while (!socket.Poll(100_000, SelectMode.SelectRead))
                {
                    if (Cancel.IsCancellationRequested)
                        return -1;
                }
                _end = socket.Receive(_buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                _end = 0;
            }
            _start = 0;
            if (_end <= 0)
            {
                _end = 0;
                return -1;
            }
        }
        return _buffer[_start++];
    }

    private void SendRaw(string text)
    {
        try
        {
            socket.Send(Encoding.Latin1.GetBytes(text));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is gone; the next read says so.
        }
    }

    public void Dispose() => socket.Dispose();
}
