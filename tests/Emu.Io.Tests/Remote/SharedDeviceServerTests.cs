namespace Emu.Io.Tests.Remote;

/// <summary>
/// A device server with --guests 2 (issue 18), spoken to as two VMMs at once: each gets its own ATA controller over
/// its own window of the one image, a third is refused, and one guest breaking the protocol ends its session only.
/// </summary>
public sealed class SharedDeviceServerTests : IDisposable
{
    private const int WindowSectors = 32;
    private readonly MemoryBackend _disk = new(2 * WindowSectors * 512);
    private readonly ServedAtaDisk _served;

    public SharedDeviceServerTests()
    {
        for (int sector = 0; sector < 2 * WindowSectors; sector++)
            _disk.Write(sector * 512L, Enumerable.Repeat((byte)sector, 512).ToArray());
        _served = new ServedAtaDisk(_disk, guests: 2);
    }

    public void Dispose() => _served.Dispose();

    private static void MemoryMap(MessageChannel c)
    {
        var kinds = new PageKind[GuestMemory.PageCount];
        c.Send(MessageType.MemoryMap, MemoryMapMessage.Encode(c.Payload, kinds));
        while (c.Receive(out _) != MessageType.Completion)
        {
        }
    }

    private static uint Access(MessageChannel c, uint offset, int size, bool write, uint value = 0)
    {
        c.Send(MessageType.Access, new AccessMessage(0, (byte)size, write, offset, value).Encode(c.Payload));
        while (true)
        {
            if (c.Receive(out var payload) == MessageType.Completion)
                return CompletionMessage.Decode(payload).Value;
        }
    }

    /// <summary>READ SECTORS of one sector at <paramref name="lba"/> by PIO; returns its first data word, or null when
    /// the controller reports an error (ERR in Status).</summary>
    private static ushort? ReadFirstWord(MessageChannel c, uint lba)
    {
        Access(c, 2, 1, true, 1);
        Access(c, 3, 1, true, lba & 0xFF);
        Access(c, 4, 1, true, (lba >> 8) & 0xFF);
        Access(c, 5, 1, true, (lba >> 16) & 0xFF);
        Access(c, 6, 1, true, 0xE0);
        Access(c, 7, 1, true, 0x20);
        uint status = Access(c, 7, 1, false);
        if ((status & 1) != 0)
            return null;
        ushort first = (ushort)Access(c, 0, 2, false);
        for (int word = 1; word < 256; word++)
            Access(c, 0, 2, false); // the rest of the sector, so the next command finds the drive ready
        return first;
    }

    [Fact]
    public void Two_VMMs_are_served_at_once_each_on_its_own_window()
    {
        using var a = _served.Connect();
        using var b = _served.Connect();
        var disksA = _served.Hello(a).Disks;
        var disksB = _served.Hello(b).Disks;
        new[] { disksA.Single().Offset, disksB.Single().Offset }.Should().BeEquivalentTo(new[] { 0L, WindowSectors * 512L });
        disksA.Single().CapacityBytes.Should().Be(WindowSectors * 512);
        MemoryMap(a);
        MemoryMap(b);
        var first = disksA.Single().Offset == 0 ? a : b;
        var second = first == a ? b : a;

        ReadFirstWord(first, 5).Should().Be(0x0505);
        ReadFirstWord(second, 5).Should().Be((ushort)(0x0101 * (WindowSectors + 5)), "its LBA 5 is sector 37 of the image");
        ReadFirstWord(first, WindowSectors).Should().BeNull("its disk ends at its window: the neighbour's sector 0 is out of range");
        ReadFirstWord(second, 7).Should().Be((ushort)(0x0101 * (WindowSectors + 7)), "the other guest's error changed nothing for it");
    }

    [Fact]
    public void A_third_VMM_is_refused_and_one_guests_protocol_error_ends_its_session_only()
    {
        using var a = _served.Connect();
        using var b = _served.Connect();
        _served.Hello(a);
        _served.Hello(b);
        using var third = _served.Connect();
        third.Receive(out var payload).Should().Be(MessageType.Error);
        ErrorMessage.Decode(payload).Text.Should().Contain("serving 2 VMMs already");

        MemoryMap(b);
        a.Send(MessageType.Access, new AccessMessage(0, 1, false, 7, 0).Encode(a.Payload)); // before its MemoryMap
        a.Receive(out _).Should().Be(MessageType.Error);
        SpinWait.SpinUntil(() => _served.Log.Contains("ended"), 5000).Should().BeTrue();
        Access(b, 7, 1, false).Should().Be(0x50, "the other guest's controller is untouched: DRDY, DSC");

        using var next = _served.Connect(); // the broken guest's slot serves the next VMM
        _served.Hello(next).Disks.Single().CapacityBytes.Should().Be(WindowSectors * 512);
    }
}

public sealed class WindowBackendTests
{
    [Fact]
    public void A_window_is_a_whole_disk_of_its_own_and_never_reaches_past_its_end()
    {
        var image = new MemoryBackend(16 * 512);
        for (int sector = 0; sector < 16; sector++)
            image.Write(sector * 512L, Enumerable.Repeat((byte)sector, 512).ToArray());
        var window = new WindowBackend(image, 4 * 512, 8 * 512);
        window.SectorCount.Should().Be(8);
        var buffer = new byte[1024];
        window.Read(512, buffer).Should().Be(BlockStatus.Ok);
        buffer[0].Should().Be(5);
        buffer[1023].Should().Be(6);
        window.Read(7 * 512, buffer).Should().Be(BlockStatus.OutOfRange, "the second sector is the neighbour's");
        window.Write(8 * 512, new byte[512]).Should().Be(BlockStatus.OutOfRange);
        window.Write(-512, new byte[512]).Should().Be(BlockStatus.OutOfRange);
        window.Write(0, Enumerable.Repeat((byte)0xEE, 512).ToArray()).Should().Be(BlockStatus.Ok);
        var check = new byte[512];
        image.Read(3 * 512, check);
        check.Should().OnlyContain(b => b == 3, "the sector before the window is untouched");
        image.Read(4 * 512, check);
        check.Should().OnlyContain(b => b == 0xEE);
        image.Read(12 * 512, check);
        check.Should().OnlyContain(b => b == 12, "the sector after the window is untouched");
    }

    [Fact]
    public void The_server_options_split_one_image_or_give_one_each_and_refuse_the_rest()
    {
        var image = new MemoryBackend(1024 * 1024 + 512);
        var spec = new DiskSpec("a.img");
        var split = new DeviceServerOptions { Kind = RemoteDeviceKind.VirtioBlock, Disks = [(image, spec)], Guests = 3 };
        split.Check().Should().BeNull();
        split.WindowBytes.Should().Be(340 * 1024, "a third of the image, rounded down to 4 KiB");
        split.DisksOf(2).Single().Offset.Should().Be(2 * 340 * 1024);
        var each = new DeviceServerOptions { Kind = RemoteDeviceKind.Ata, Disks = [(image, spec), (new MemoryBackend(512), new DiskSpec("b.img"))], Guests = 2 };
        each.Check().Should().BeNull();
        each.DisksOf(1).Single().ImagePath.Should().Be("b.img");
        new DeviceServerOptions { Kind = RemoteDeviceKind.Ata, Disks = [(image, spec), (image, spec)], Guests = 3 }.Check()
            .Should().Contain("give one --disk (split into 3 windows) or 3 (one image per guest), not 2");
        new DeviceServerOptions { Kind = RemoteDeviceKind.Ata, Disks = [(new MemoryBackend(8192), spec)], Guests = 4 }.Check()
            .Should().Contain("too small to split into 4 windows");
        new DeviceServerOptions { Kind = RemoteDeviceKind.Assigned, Disks = [(image, spec)], Guests = 9 }.Check()
            .Should().Contain("at most 8 virtual functions");
    }
}
