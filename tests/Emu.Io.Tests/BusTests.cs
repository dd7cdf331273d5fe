using Emu.Tests.Shared;

namespace Emu.Io.Tests;

[Collection(AllocationCounting.Name)]
public class BusTests
{
    /// <summary>A window of plain registers that records what it saw.</summary>
    private sealed class RecordingDevice(string name, int size) : IIoDevice
    {
        public byte[] Registers { get; } = new byte[size];
        public uint LastOffset { get; private set; }
        public int LastWidth { get; private set; }
        public string Name => name;

        public void Read(uint offset, Span<byte> data)
        {
            LastOffset = offset;
            LastWidth = data.Length;
            Registers.AsSpan((int)offset, data.Length).CopyTo(data);
        }

        public void Write(uint offset, ReadOnlySpan<byte> data)
        {
            LastOffset = offset;
            LastWidth = data.Length;
            data.CopyTo(Registers.AsSpan((int)offset));
        }
    }

    [Fact]
    public void Port_access_reaches_the_device_at_its_offset()
    {
        var bus = new PortBus();
        var dev = new RecordingDevice("dev", 8);
        bus.Register(0x3F8, 8, dev);

        bus.Write(0x3FA, 2, 0xBEEF);
        dev.LastOffset.Should().Be(2);
        dev.LastWidth.Should().Be(2);
        dev.Registers[2].Should().Be(0xEF);
        dev.Registers[3].Should().Be(0xBE);
        bus.Read(0x3FA, 2).Should().Be(0xBEEFu);
        bus.TryRead(0x3FF, new byte[1], out var range).Should().BeTrue();
        range!.Device.Should().BeSameAs(dev);
        range.Writes.Should().Be(1);
        range.Reads.Should().Be(2);
    }

    [Theory]
    [InlineData(0x3F1, 8)]   // ends inside
    [InlineData(0x3FC, 8)]   // starts inside
    [InlineData(0x3F8, 8)]   // identical
    [InlineData(0x3F9, 1)]   // nested
    [InlineData(0x300, 0x200)] // encloses
    public void Overlapping_registration_is_rejected(uint start, uint length)
    {
        var bus = new PortBus();
        bus.Register(0x3F8, 8, new RecordingDevice("a", 8));
        var act = () => bus.Register(start, length, new RecordingDevice("b", 0x200));
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Adjacent_ranges_are_accepted_and_ranges_leaving_the_port_space_are_not()
    {
        var bus = new PortBus();
        bus.Register(0x20, 2, new RecordingDevice("a", 2));
        bus.Register(0x22, 2, new RecordingDevice("b", 2));
        bus.Register(0x1E, 2, new RecordingDevice("c", 2));
        bus.Ranges.Should().HaveCount(3);
        var act = () => bus.Register(0xFFFF, 2, new RecordingDevice("d", 2));
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Unclaimed_read_floats_high_and_is_counted()
    {
        var bus = new PortBus();
        var data = new byte[] { 1, 2 };
        bus.TryRead(0x80, data, out var range).Should().BeFalse();
        range.Should().BeNull();
        data.Should().Equal(0xFF, 0xFF);
        bus.Read(0x81, 4).Should().Be(0xFFFF_FFFFu);
        bus.UnclaimedReads.Should().Be(2);
    }

    [Fact]
    public void Unclaimed_write_is_dropped_and_counted()
    {
        var bus = new PortBus();
        bus.TryWrite(0x80, new byte[] { 1 }, out _).Should().BeFalse();
        bus.Write(0xFFFF, 1, 0);
        bus.UnclaimedWrites.Should().Be(2);
    }

    [Fact]
    public void Access_straddling_a_range_end_is_unclaimed_even_into_a_neighbour()
    {
        var bus = new PortBus();
        var a = new RecordingDevice("a", 2);
        var b = new RecordingDevice("b", 2);
        bus.Register(0x20, 2, a);
        bus.Register(0x22, 2, b);

        bus.Read(0x21, 2).Should().Be(0xFFFFu);
        bus.Write(0x21, 2, 0x1234);
        a.Registers.Should().Equal(0, 0);
        b.Registers.Should().Equal(0, 0);
        bus.UnclaimedReads.Should().Be(1);
        bus.UnclaimedWrites.Should().Be(1);
        // The last port of the space cannot hold a word.
        bus.Register(0xFFFF, 1, new RecordingDevice("top", 1));
        bus.Read(0xFFFF, 2).Should().Be(0xFFFFu);
    }

    [Fact]
    public void Odd_widths_are_never_passed_to_a_device()
    {
        var bus = new PortBus();
        var dev = new RecordingDevice("a", 8);
        bus.Register(0, 8, dev);
        bus.TryRead(0, new byte[3], out _).Should().BeFalse();
        bus.TryWrite(0, ReadOnlySpan<byte>.Empty, out _).Should().BeFalse();
        bus.Read(0, 8).Should().Be(0xFFFF_FFFFu);
        dev.LastWidth.Should().Be(0);
    }

    [Fact]
    public void Device_offset_lets_one_device_own_two_windows()
    {
        var bus = new PortBus();
        var dev = new RecordingDevice("kbc", 5);
        bus.Register(0x60, 1, dev, deviceOffset: 0);
        bus.Register(0x64, 1, dev, deviceOffset: 4);
        bus.Write(0x64, 1, 0xAA);
        dev.LastOffset.Should().Be(4);
        dev.Registers[4].Should().Be(0xAA);
        bus.Read(0x61, 1).Should().Be(0xFFu);
    }

    [Fact]
    public void Unregistered_range_becomes_unclaimed_and_its_addresses_can_be_reused()
    {
        var bus = new PortBus();
        var low = new RecordingDevice("low", 2);
        var moving = new RecordingDevice("moving", 16);
        var high = new RecordingDevice("high", 2);
        bus.Register(0x20, 2, low);
        var old = bus.Register(0xC000, 16, moving);
        bus.Register(0xFFF0, 2, high);
        bus.Write(0xC002, 1, 0x55);

        bus.Unregister(old).Should().BeTrue();
        bus.Unregister(old).Should().BeFalse("a range can be removed only once");
        bus.Read(0xC002, 1).Should().Be(0xFFu);
        bus.UnclaimedReads.Should().Be(1);
        old.Writes.Should().Be(1, "a removed range keeps its counts");

        // The neighbours still decode (the lookup table was rebuilt with shifted indices).
        bus.Read(0x21, 1).Should().Be(0u);
        bus.Read(0xFFF1, 1).Should().Be(0u);
        bus.TryRead(0xFFF0, new byte[1], out var highRange).Should().BeTrue();
        highRange!.Device.Should().BeSameAs(high);

        // Moving: the same device at a new base, and the old base may be taken again.
        bus.Register(0xD000, 16, moving);
        bus.Read(0xD002, 1).Should().Be(0x55u);
        bus.Overlapping(0xC000, 16).Should().BeNull();
        bus.Register(0xC000, 16, new RecordingDevice("other", 16));
        bus.Ranges.Should().HaveCount(4);
        bus.Overlapping(0xCFFF, 2)!.Device.Should().BeSameAs(moving);
        bus.Overlapping(0x1F, 2)!.Device.Should().BeSameAs(low);
        bus.Overlapping(0x22, 0x100).Should().BeNull();
    }

    [Fact]
    public void Mmio_bus_unregisters_too()
    {
        var bus = new MmioBus();
        var range = bus.Register(0xFEB0_0000, 0x200, new RecordingDevice("dev", 0x200));
        bus.Unregister(range).Should().BeTrue();
        bus.Read(0xFEB0_0000, 4).Should().Be(0xFFFF_FFFFu);
        bus.Ranges.Should().BeEmpty();
    }

    [Fact]
    public void Mmio_bus_finds_sparse_ranges_and_rejects_overlap()
    {
        var bus = new MmioBus();
        var low = new RecordingDevice("low", 0x200);
        var high = new RecordingDevice("high", 0x200);
        bus.Register(0xFEB0_0000, 0x200, high);
        bus.Register(0x000D_0000, 0x200, low);

        bus.Write(0xFEB0_0010, 4, 0xAABBCCDD);
        high.Registers[0x10].Should().Be(0xDD);
        bus.Read(0x000D_0000 + 0x1FE, 2).Should().Be(0u);
        bus.Read(0x000D_0000 + 0x1FF, 2).Should().Be(0xFFFFu); // straddles the end
        bus.Read(0x000C_FFFF, 1).Should().Be(0xFFu);
        bus.UnclaimedReads.Should().Be(2);

        var act = () => bus.Register(0xFEB0_01FF, 0x10, new RecordingDevice("x", 0x10));
        act.Should().Throw<ArgumentException>();
        bus.Register(0xFFFF_F000, 0x1000, new RecordingDevice("top", 0x1000));
        bus.Read(0xFFFF_FFFC, 4).Should().Be(0u);
    }

    [Fact]
    public void Dispatch_does_not_allocate()
    {
        var bus = new PortBus();
        bus.Register(0x3F8, 8, new RecordingDevice("a", 8));
        Span<byte> data = stackalloc byte[2];
        bus.TryRead(0x3F8, data, out _);
        byte[] buffer = new byte[2];
        AllocationCounting.SteadyStateBytes(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                bus.TryRead(0x3F8, buffer, out _);
                bus.TryWrite(0x3FA, buffer, out _);
                bus.Write(0x3F9, 1, 5);
                bus.Read(0x100, 2);
            }
        }).Should().Be(0);
    }
}
