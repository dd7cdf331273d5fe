using System.Buffers.Binary;

namespace Emu.Io.Tests.Remote;

/// <summary>The device protocol's messages: each round-trips, and every malformed form a peer could send is
/// rejected with a one-line reason instead of being acted on.</summary>
public sealed class MessageTests
{
    private static readonly RegionInfo[] Regions =
    [
        new(RegionSpace.Port, 0x1F0, 8, "ata0"),
        new(RegionSpace.Port, DeviceProtocol.NoBase, 16, "bus-master"),
        new(RegionSpace.PciConfig, 0x09, 256, "piix3-ide"),
    ];

    [Fact]
    public void Every_message_round_trips()
    {
        var buffer = new byte[DeviceProtocol.MaxPayload];

        var hello = new HelloMessage(HelloFlags.Events | HelloFlags.HostTime, "/dev/shm/emu-ram-1");
        HelloMessage.Decode(buffer.AsSpan(0, hello.Encode(buffer))).Should().Be(hello);

        var welcome = new WelcomeMessage(RemoteDeviceKind.Ata, 1234, Regions, [14, 15],
            [new DiskInfo("ata0-master", "/tmp/a.img", 32768, ReadOnly: false), new DiskInfo("ata0-slave", "/tmp/b.img", 1 << 20, ReadOnly: true, Offset: 3 << 20)]);
        var decoded = WelcomeMessage.Decode(buffer.AsSpan(0, welcome.Encode(buffer)));
        decoded.Kind.Should().Be(RemoteDeviceKind.Ata);
        decoded.ProcessId.Should().Be(1234);
        decoded.Regions.Should().Equal(Regions);
        decoded.Irqs.Should().Equal((byte)14, (byte)15);
        decoded.Disks.Should().Equal(welcome.Disks);

        var access = new AccessMessage(1, 2, true, 6, 0xBEEF);
        AccessMessage.Decode(buffer.AsSpan(0, access.Encode(buffer)), Regions).Should().Be(access);
        var completion = new CompletionMessage(0x1234_5678, 812);
        CompletionMessage.Decode(buffer.AsSpan(0, completion.Encode(buffer))).Should().Be(completion);
        var irq = new IrqMessage(1, true);
        IrqMessage.Decode(buffer.AsSpan(0, irq.Encode(buffer)), 2).Should().Be(irq);
        var moved = new RegionMovedMessage(1, 0xD000);
        RegionMovedMessage.Decode(buffer.AsSpan(0, moved.Encode(buffer)), Regions).Should().Be(moved);
        var written = new MemoryWrittenMessage(0x2_0000, 512);
        MemoryWrittenMessage.Decode(buffer.AsSpan(0, written.Encode(buffer))).Should().Be(written);
        var ev = new EventMessage(55, "ata0", "command READ SECTORS");
        EventMessage.Decode(buffer.AsSpan(0, ev.Encode(buffer))).Should().Be(ev);
        ErrorMessage.Decode(buffer.AsSpan(0, new ErrorMessage("busy").Encode(buffer))).Text.Should().Be("busy");
        ConfigureMessage.Decode(buffer.AsSpan(0, ConfigureMessage.Encode(buffer, HelloFlags.Events))).Should().Be(HelloFlags.Events);

        var kinds = new PageKind[GuestMemory.PageCount];
        kinds[0xF0] = PageKind.Rom;
        MemoryMapMessage.Decode(buffer.AsSpan(0, MemoryMapMessage.Encode(buffer, kinds))).Should().Equal(kinds);
    }

    [Fact]
    public void Register_names_split_over_messages_and_come_back_whole()
    {
        var names = Enumerable.Range(0, 200).Select(i => ((ushort)i, $"read-register-{i}", $"write-register-{i}")).ToList();
        var message = new RegisterNamesMessage(0, names);
        var buffer = new byte[DeviceProtocol.MaxPayload];
        var back = new List<(ushort, string, string)>();
        RegionInfo[] regions = [new(RegionSpace.Mmio, 0xD0000, 0x1000, "virtio-mmio")];
        for (int sent = 0, messages = 0; sent < names.Count; messages++)
        {
            int length = message.Encode(buffer, sent, out int count);
            count.Should().BePositive();
            back.AddRange(RegisterNamesMessage.Decode(buffer.AsSpan(0, length), regions).Names);
            sent += count;
            messages.Should().BeLessThan(5);
        }
        back.Should().Equal(names);
        int n = new RegisterNamesMessage(0, [(0x1000, "x", "y")]).Encode(buffer, 0, out _);
        ((Action)(() => RegisterNamesMessage.Decode(buffer.AsSpan(0, n), regions))).Should().Throw<DeviceProtocolException>().Which.Fault.Should().Be(ProtocolFault.ImpossibleRegion);
    }

    public static TheoryData<string, byte[], ProtocolFault> BadAccesses => new()
    {
        { "region past the list", Access(3, 1, 0, 0, 0), ProtocolFault.ImpossibleRegion },
        { "size 3", Access(0, 3, 0, 0, 0), ProtocolFault.BadField },
        { "size 0", Access(0, 0, 0, 0, 0), ProtocolFault.BadField },
        { "direction 2", Access(0, 1, 2, 0, 0), ProtocolFault.BadField },
        { "offset past the region", Access(0, 2, 0, 7, 0), ProtocolFault.ImpossibleRegion },
        { "huge offset (no overflow)", Access(0, 4, 0, 0xFFFF_FFFE, 0), ProtocolFault.ImpossibleRegion },
        { "byte write of a word", Access(0, 1, 1, 0, 0x1FF), ProtocolFault.BadField },
    };

    private static byte[] Access(byte region, byte size, byte write, uint offset, uint value)
    {
        var b = new byte[AccessMessage.Length];
        b[0] = region;
        b[1] = size;
        b[2] = write;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), offset);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), value);
        return b;
    }

    [Theory]
    [MemberData(nameof(BadAccesses))]
    public void A_bad_access_is_refused(string why, byte[] payload, ProtocolFault fault)
    {
        Refused(() => AccessMessage.Decode(payload, Regions), fault, why);
    }

    private static void Refused(Action decode, ProtocolFault fault, string because = "") =>
        decode.Should().Throw<DeviceProtocolException>(because).Which.Fault.Should().Be(fault, because);

    [Fact]
    public void Truncated_padded_and_reserved_bytes_are_refused()
    {
        var good = Access(0, 1, 0, 0, 0);
        Refused(() => AccessMessage.Decode(good.AsSpan(0, 11), Regions), ProtocolFault.Malformed, "truncated");
        Refused(() => AccessMessage.Decode([.. good, 0], Regions), ProtocolFault.Malformed, "a trailing byte");
        good[3] = 1;
        Refused(() => AccessMessage.Decode(good, Regions), ProtocolFault.Malformed, "a reserved byte set");
    }

    [Fact]
    public void Hello_from_another_version_or_program_is_refused()
    {
        var buffer = new byte[DeviceProtocol.MaxPayload];
        int n = new HelloMessage(HelloFlags.None, "/dev/shm/x", Version: 1).Encode(buffer);
        Refused(() => HelloMessage.Decode(buffer.AsSpan(0, n)), ProtocolFault.WrongPeer, "version 1");
        n = new HelloMessage(HelloFlags.None, "/dev/shm/x").Encode(buffer);
        HelloMessage.Decode(buffer.AsSpan(0, n)).RamPath.Should().Be("/dev/shm/x", "the same Hello is accepted unchanged");
        buffer[0] ^= 0xFF;
        Refused(() => HelloMessage.Decode(buffer.AsSpan(0, n)), ProtocolFault.WrongPeer, "another magic");
        buffer[0] ^= 0xFF;
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(6), 0x8000); // an unknown flag
        Refused(() => HelloMessage.Decode(buffer.AsSpan(0, n)), ProtocolFault.BadField, "an unknown flag");
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(6), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(8), 4096); // another RAM layout
        Refused(() => HelloMessage.Decode(buffer.AsSpan(0, n)), ProtocolFault.BadField, "another RAM layout");
    }

    public static TheoryData<string, RegionInfo> BadRegions => new()
    {
        { "port region leaving the port space", new(RegionSpace.Port, 0xFFF8, 16, "x") },
        { "empty port region", new(RegionSpace.Port, 0x100, 0, "x") },
        { "MMIO not page aligned", new(RegionSpace.Mmio, 0xD0010, 0x1000, "x") },
        { "MMIO past guest memory", new(RegionSpace.Mmio, 0x10F000, 0x2000, "x") },
        { "PCI config of 128 bytes", new(RegionSpace.PciConfig, 9, 128, "x") },
        { "unknown space", new((RegionSpace)9, 0, 1, "x") },
    };

    [Theory]
    [MemberData(nameof(BadRegions))]
    public void A_welcome_with_an_impossible_region_is_refused(string why, RegionInfo region)
    {
        var buffer = new byte[DeviceProtocol.MaxPayload];
        int n = new WelcomeMessage(RemoteDeviceKind.Ata, 1, [region], [14], []).Encode(buffer);
        Refused(() => WelcomeMessage.Decode(buffer.AsSpan(0, n)), ProtocolFault.ImpossibleRegion, why);
    }

    [Theory]
    [InlineData(2)] // the cascade
    [InlineData(16)]
    public void A_welcome_with_an_impossible_irq_is_refused(byte irq)
    {
        var buffer = new byte[DeviceProtocol.MaxPayload];
        int n = new WelcomeMessage(RemoteDeviceKind.Ata, 1, Regions, [irq], []).Encode(buffer);
        Refused(() => WelcomeMessage.Decode(buffer.AsSpan(0, n)), ProtocolFault.ImpossibleIrq);
    }

    [Fact]
    public void Device_reports_are_checked_against_what_the_device_has()
    {
        var buffer = new byte[16];
        Refused(() => IrqMessage.Decode(buffer.AsSpan(0, new IrqMessage(2, true).Encode(buffer)), 2), ProtocolFault.ImpossibleIrq, "line 2 of 2");
        buffer[1] = 7; // level 7
        Refused(() => IrqMessage.Decode(buffer.AsSpan(0, 4), 2), ProtocolFault.ImpossibleIrq, "level 7");
        Refused(() => RegionMovedMessage.Decode(buffer.AsSpan(0, new RegionMovedMessage(2, 0xC000).Encode(buffer)), Regions),
            ProtocolFault.ImpossibleRegion, "the PCI configuration region is not a port region");
        Refused(() => RegionMovedMessage.Decode(buffer.AsSpan(0, new RegionMovedMessage(1, 0xFFF8).Encode(buffer)), Regions),
            ProtocolFault.ImpossibleRegion, "16 ports at FFF8 leave the port space");
        Refused(() => MemoryWrittenMessage.Decode(buffer.AsSpan(0, new MemoryWrittenMessage(0x10_FF00, 0x200).Encode(buffer))),
            ProtocolFault.ImpossibleDma, "past guest memory");
        Refused(() => MemoryWrittenMessage.Decode(buffer.AsSpan(0, new MemoryWrittenMessage(0xFFFF_FF00, 0x200).Encode(buffer))),
            ProtocolFault.ImpossibleDma, "no 32-bit wrap-around");
    }

    [Fact]
    public void Event_text_from_the_peer_stays_on_one_line()
    {
        var buffer = new byte[DeviceProtocol.MaxPayload];
        int n = new EventMessage(0, "ata0", "line one\nline two\r\u001b[31m").Encode(buffer);
        EventMessage.Decode(buffer.AsSpan(0, n)).Text.Should().Be("line one?line two??[31m");
    }
}
