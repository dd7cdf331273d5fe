using System.Buffers.Binary;

namespace Emu.Io.Tests.Remote;

/// <summary>Framing: a receiver checks the header before it reads a payload, so a peer cannot make it read past
/// a message, allocate for a huge one, or act on a type this version does not know.</summary>
public sealed class MessageChannelTests
{
    [Fact]
    public void Messages_arrive_whole_and_in_order()
    {
        using var sockets = new ConnectedSockets();
        using var a = new MessageChannel(sockets.A);
        using var b = new MessageChannel(sockets.B);
        int n = new AccessMessage(0, 4, true, 0, 0xCAFEF00D).Encode(a.Payload);
        a.Send(MessageType.Access, n);
        a.Send(MessageType.Poll);
        b.Receive(out var payload).Should().Be(MessageType.Access);
        payload.Length.Should().Be(AccessMessage.Length);
        BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]).Should().Be(0xCAFEF00D);
        b.Receive(out payload).Should().Be(MessageType.Poll);
        payload.Length.Should().Be(0);
    }

    [Theory]
    [InlineData(0, 0, 0)]          // unknown type 0
    [InlineData(99, 0, 0)]         // unknown type 99
    [InlineData(4, 1, 0)]          // header bytes 2-3 not zero
    [InlineData(4, 0, 4097)]       // longer than MaxPayload
    [InlineData(4, 0, 0xFFFF_FFFF)]
    public void A_bad_header_is_refused_before_any_payload_is_read(ushort type, ushort zero, uint length)
    {
        using var sockets = new ConnectedSockets();
        using var b = new MessageChannel(sockets.B);
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(header, type);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), zero);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), length);
        sockets.A.Send(header);
        var act = () => b.Receive(out _);
        act.Should().Throw<DeviceProtocolException>().Which.Fault.Should().Be(ProtocolFault.Malformed);
    }

    [Fact]
    public void A_peer_that_closes_mid_message_or_falls_silent_is_reported()
    {
        using (var sockets = new ConnectedSockets())
        using (var b = new MessageChannel(sockets.B))
        {
            sockets.A.Send(new byte[] { 4, 0, 0, 0, 12, 0, 0, 0, 1, 2 }); // an Access header and 2 of its 12 bytes
            sockets.A.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            var act = () => b.Receive(out _);
            act.Should().Throw<DeviceProtocolException>().Which.Fault.Should().Be(ProtocolFault.ConnectionLost);
        }
        using (var sockets = new ConnectedSockets())
        using (var b = new MessageChannel(sockets.B) { ReceiveTimeout = TimeSpan.FromMilliseconds(200) })
        {
            var act = () => b.Receive(out _);
            act.Should().Throw<DeviceProtocolException>().Which.Fault.Should().Be(ProtocolFault.TimedOut);
        }
    }
}
