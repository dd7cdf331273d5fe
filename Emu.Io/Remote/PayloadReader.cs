using System.Buffers.Binary;
using System.Text;

namespace Emu.Io.Remote;

/// <summary>Reads a message payload field by field; running past the end or leaving bytes unread is a
/// protocol error naming the message.</summary>
public ref struct PayloadReader(ReadOnlySpan<byte> payload, MessageType type)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _at;

    public byte U8() => Take(1)[0];
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>A field that must be zero (reserved for later versions).</summary>
    public void Reserved(int bytes)
    {
        if (Take(bytes).IndexOfAnyExcept((byte)0) >= 0)
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"{type} message: reserved bytes are not zero");
    }

    /// <summary>A string: u16 length, then that many bytes of UTF-8 (at most <paramref name="max"/>).</summary>
    public string Text(int max)
    {
        int length = U16();
        if (length > max)
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"{type} message: a string of {length} bytes (at most {max})");
        return Encoding.UTF8.GetString(Take(length));
    }

    public ReadOnlySpan<byte> Bytes(int length) => Take(length);

    /// <summary>Every byte was read.</summary>
    public readonly void End()
    {
        if (_at != _payload.Length)
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"{type} message: {_payload.Length - _at} unexpected trailing bytes ({_payload.Length} in all)");
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > _payload.Length - _at)
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"{type} message is truncated ({_payload.Length} bytes)");
        var s = _payload.Slice(_at, n);
        _at += n;
        return s;
    }
}

/// <summary>Writes a payload into a buffer of <see cref="DeviceProtocol.MaxPayload"/> bytes.</summary>
public ref struct PayloadWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _at;

    public readonly int Length => _at;

    public void U8(byte v) => Take(1)[0] = v;
    public void U16(ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), v);
    public void U32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), v);
    public void U64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), v);
    public void Zero(int n) => Take(n).Clear();

    /// <summary>A string, cut to <paramref name="max"/> bytes of UTF-8 if longer. (Strings travel only in
    /// set-up, events and errors, never on the per-access path, so the allocation does not matter.)</summary>
    public void Text(string text, int max)
    {
        byte[] all = Encoding.UTF8.GetBytes(text);
        int n = Math.Min(all.Length, max);
        U16((ushort)n);
        all.AsSpan(0, n).CopyTo(Take(n));
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    private Span<byte> Take(int n)
    {
        if (n > _buffer.Length - _at)
            throw new InvalidOperationException("message payload too long");
        var s = _buffer.Slice(_at, n);
        _at += n;
        return s;
    }
}
