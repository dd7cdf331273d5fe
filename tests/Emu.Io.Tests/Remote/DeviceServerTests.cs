namespace Emu.Io.Tests.Remote;

/// <summary>
/// The device process's side, spoken to byte by byte as a VMM (or a hostile peer) would: set-up, accesses with
/// their IRQ messages, and every way a conversation can go wrong. The server must answer a bad message with an
/// Error, end that session only, and serve the next VMM.
/// </summary>
public sealed class DeviceServerTests : IDisposable
{
    private readonly MemoryBackend _disk = new(64 * 512);
    private readonly ServedAtaDisk _served;

    public DeviceServerTests() => _served = new ServedAtaDisk(_disk);

    public void Dispose() => _served.Dispose();

    /// <summary>Sends the memory map; returns the register names the device sent before its Completion.</summary>
    private static List<RegisterNamesMessage> MemoryMap(MessageChannel c, IReadOnlyList<RegionInfo>? regions = null)
    {
        var kinds = new PageKind[GuestMemory.PageCount];
        for (int i = (int)(GuestMemory.Size >> GuestMemory.PageShift); i < kinds.Length; i++)
            kinds[i] = PageKind.Unmapped;
        c.Send(MessageType.MemoryMap, MemoryMapMessage.Encode(c.Payload, kinds));
        var names = new List<RegisterNamesMessage>();
        while (true)
        {
            var type = c.Receive(out var payload);
            if (type == MessageType.Completion)
                return names;
            type.Should().Be(MessageType.RegisterNames);
            if (regions is not null)
                names.Add(RegisterNamesMessage.Decode(payload, regions));
        }
    }

    /// <summary>One access; returns the completion's value and the messages that came before it.</summary>
    private static (uint Value, List<MessageType> Before) Access(MessageChannel c, int region, uint offset, int size, bool write, uint value = 0)
    {
        c.Send(MessageType.Access, new AccessMessage((byte)region, (byte)size, write, offset, value).Encode(c.Payload));
        var before = new List<MessageType>();
        while (true)
        {
            var type = c.Receive(out var payload);
            if (type == MessageType.Completion)
                return (CompletionMessage.Decode(payload).Value, before);
            before.Add(type);
        }
    }

    private static string ExpectError(MessageChannel c)
    {
        var type = c.Receive(out var payload);
        type.Should().Be(MessageType.Error);
        string text = ErrorMessage.Decode(payload).Text;
        var act = () => c.Receive(out _);
        act.Should().Throw<DeviceProtocolException>("the session ends after an Error").Which.Fault.Should().Be(ProtocolFault.ConnectionLost);
        return text;
    }

    [Fact]
    public void A_VMM_sets_up_the_ATA_controller_and_drives_it_by_register()
    {
        using var c = _served.Connect();
        var welcome = _served.Hello(c);
        welcome.Kind.Should().Be(RemoteDeviceKind.Ata);
        welcome.Regions.Select(r => (r.Space, r.Base, r.Length)).Should().Equal(
            (RegionSpace.Port, 0x1F0u, 8u), (RegionSpace.Port, 0x3F6u, 1u), (RegionSpace.Port, 0x170u, 8u), (RegionSpace.Port, 0x376u, 1u),
            (RegionSpace.Port, 0xC000u, 16u), (RegionSpace.PciConfig, 0x09u, 256u));
        welcome.Irqs.Should().Equal((byte)14, (byte)15);
        welcome.Disks.Should().ContainSingle().Which.CapacityBytes.Should().Be(64 * 512);
        var names = MemoryMap(c, welcome.Regions);
        names.Single(n => n.Region == 0).Names.Should().Contain((7, "status", "command"), "the VMM's traces name the registers as in-process");
        names.Single(n => n.Region == 1).Names.Should().Equal([(0, "alt-status", "device-control")]);
        names.Should().NotContain(n => n.Region == 5, "PCI configuration space has no register names");

        Access(c, 0, 6, 1, write: true, 0xE0); // LBA mode, master
        var identify = Access(c, 0, 7, 1, write: true, 0xEC);
        identify.Before.Should().Equal([MessageType.Irq], "IDENTIFY raises INTRQ (IRQ 14) when its data is ready");
        Access(c, 1, 0, 1, write: false).Value.Should().Be(0x58, "Alternate Status: DRDY, DSC, DRQ");
        Access(c, 0, 7, 1, write: false).Before.Should().Equal([MessageType.Irq], "reading Status lowers INTRQ");
        Access(c, 0, 0, 2, write: false).Value.Should().Be(0x0040, "IDENTIFY word 0: fixed device");
        Access(c, 5, 0, 4, write: false).Value.Should().Be(0x7010_8086, "the PIIX3 IDE function's IDs");
    }

    [Fact]
    public void Moving_BAR4_moves_the_bus_master_region_and_the_VMM_is_told()
    {
        using var c = _served.Connect();
        _served.Hello(c);
        MemoryMap(c);
        var write = Access(c, 5, 0x20, 4, write: true, 0xD001);
        write.Before.Should().Equal(MessageType.RegionMoved);
    }

    [Fact]
    public void A_DMA_write_to_guest_RAM_is_reported_and_lands_in_the_shared_memory()
    {
        using var c = _served.Connect();
        _served.Hello(c);
        MemoryMap(c);
        _disk.Write(5 * 512, Enumerable.Repeat((byte)0xA5, 512).ToArray());
        unsafe
        {
            var prd = new Span<byte>(_served.Ram.Pointer + 0x1000, 8);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(prd, 0x2000);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(prd[4..], 0x8000_0200);
        }
        Access(c, 4, 4, 4, write: true, 0x1000); // PRD table address
        Access(c, 0, 2, 1, write: true, 1);       // one sector
        Access(c, 0, 3, 1, write: true, 5);       // LBA 5
        Access(c, 0, 6, 1, write: true, 0xE0);
        Access(c, 0, 7, 1, write: true, 0xC8);    // READ DMA
        var start = Access(c, 4, 0, 1, write: true, 0x09); // start, device to memory
        start.Before.Should().Contain(MessageType.MemoryWritten).And.Contain(MessageType.Irq);
        unsafe
        {
            new ReadOnlySpan<byte>(_served.Ram.Pointer + 0x2000, 512).ToArray().Should().OnlyContain(b => b == 0xA5);
        }
    }

    [Fact]
    public void Garbage_gets_an_error_and_the_next_VMM_is_served()
    {
        using (var c = _served.Connect())
        {
            c.Send((MessageType)4, 0); // an Access before Hello
            ExpectError(c).Should().Contain("expected Hello, got Access");
        }
        using (var c = _served.Connect())
        {
            _served.Hello(c);
            MemoryMap(c);
            c.Send(MessageType.Access, new AccessMessage(9, 1, false, 0, 0).Encode(c.Payload));
            ExpectError(c).Should().Contain("region 9");
        }
        using (var c = _served.Connect())
        {
            _served.Hello(c);
            c.Send(MessageType.Access, new AccessMessage(0, 1, false, 7, 0).Encode(c.Payload));
            ExpectError(c).Should().Contain("before MemoryMap");
        }
        using (var c = _served.Connect())
        {
            c.Send(MessageType.Hello, new HelloMessage(HelloFlags.None, "/nonexistent/ram").Encode(c.Payload));
            ExpectError(c).Should().Contain("cannot map guest RAM '/nonexistent/ram'");
        }
        using (var c = _served.Connect())
            _served.Hello(c).Kind.Should().Be(RemoteDeviceKind.Ata, "the server outlived four bad sessions");
    }

    [Fact]
    public void A_VMM_that_vanishes_mid_session_leaves_the_server_serving()
    {
        var c = _served.Connect();
        _served.Hello(c);
        MemoryMap(c);
        Access(c, 0, 6, 1, write: true, 0xE0);
        c.Dispose(); // no Goodbye
        SpinWait.SpinUntil(() => _served.Log.Contains("session 1 ended"), 5000).Should().BeTrue();
        using var next = _served.Connect();
        _served.Hello(next);
        MemoryMap(next);
        Access(next, 0, 7, 1, write: false).Value.Should().Be(0x50, "a fresh controller: DRDY, DSC");
    }

    [Fact]
    public void A_second_VMM_is_refused_while_one_is_served()
    {
        using var first = _served.Connect();
        _served.Hello(first);
        using var second = _served.Connect();
        ExpectError(second).Should().Contain("serving another VMM");
        MemoryMap(first); // the first one is unaffected
    }
}
