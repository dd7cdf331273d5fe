using static Emu.Io.Virtio.VirtioBlockRequestType;

namespace Emu.Io.Tests.Virtio;

public class VirtioBlockTests
{
    [Fact]
    public void In_reads_sectors_into_guest_memory_and_interrupts()
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(In, sector: 3, dataLen: 1024);
        d.Notify();

        r.Status.Should().Be(VirtioBlockStatus.Ok);
        r.DataBytes.Should().Equal(d.Disk.Data.AsSpan(3 * 512, 1024).ToArray());
        d.UsedIdx.Should().Be(1);
        d.Used(0).Should().Be((r.Head, 1025u), "used len = data written + status byte");
        d.Irq.Level.Should().BeTrue();
        d.Reg(VirtioMmioRegister.InterruptStatus).Should().Be(VirtioInterrupt.UsedBuffer);
        d.Ack();
        d.Irq.Level.Should().BeFalse();
        d.Device.Counters.BytesRead.Should().Be(1024);
        d.Device.Counters.RequestsCompleted.Should().Be(1);
        d.Transport.Counters.Notifications.Should().Be(1);
        d.Transport.Counters.Interrupts.Should().Be(1);
    }

    [Fact]
    public void Out_writes_guest_memory_to_the_disk()
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(Out, sector: 10, dataLen: 1024);
        for (int i = 0; i < 1024; i++)
            d.W8(r.Data + (uint)i, (byte)(0xA5 ^ i));
        d.Notify();

        r.Status.Should().Be(VirtioBlockStatus.Ok);
        d.Used(0).Len.Should().Be(1, "only the status byte was written to the driver");
        d.Disk.Data.AsSpan(10 * 512, 1024).ToArray().Should().Equal(d.Ram(r.Data, 1024).ToArray());
        d.Device.Counters.BytesWritten.Should().Be(1024);
    }

    [Fact]
    public void Flush_reaches_the_backend_before_completion()
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(Flush, 0);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        d.Disk.FlushCount.Should().Be(1);
        d.Device.Counters.Flushes.Should().Be(1);
    }

    [Fact]
    public void Get_id_returns_the_20_byte_serial_zero_padded()
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(GetId, 0, dataLen: 20);
        d.Ram(r.Data, 20).Fill(0xEE);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        r.DataBytes.Should().Equal([.. "EMU-TEST-0001"u8.ToArray(), 0, 0, 0, 0, 0, 0, 0]);
        d.Used(0).Len.Should().Be(21);
    }

    [Fact]
    public void Get_id_into_a_short_buffer_is_cut_short()
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(GetId, 0, dataLen: 4);
        d.Notify();
        r.DataBytes.Should().Equal("EMU-"u8.ToArray());
        d.Used(0).Len.Should().Be(5);
    }

    [Theory]
    [InlineData(11u)] // DISCARD
    [InlineData(13u)] // WRITE_ZEROES
    [InlineData(0xFFFF_FFFFu)]
    public void Unknown_types_are_answered_unsupp(uint type)
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(type, 0, 512, deviceWrites: false);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Unsupp);
        d.Used(0).Len.Should().Be(1);
    }

    [Fact]
    public void Many_requests_complete_on_one_notify_with_one_interrupt()
    {
        var d = new VirtioDriver().Start(size: 64);
        var requests = Enumerable.Range(0, 10).Select(i => d.Submit(In, (ulong)i, 512)).ToList();
        d.Notify();

        d.UsedIdx.Should().Be(10);
        for (int i = 0; i < 10; i++)
        {
            requests[i].Status.Should().Be(VirtioBlockStatus.Ok);
            requests[i].DataBytes.Should().Equal(d.Disk.Data.AsSpan(i * 512, 512).ToArray());
            d.Used(i).Id.Should().Be(requests[i].Head, "completion order is submission order");
        }
        d.Irq.RisingEdges.Should().Be(1);
        d.Transport.Counters.Interrupts.Should().Be(1);
        d.Transport.Counters.Notifications.Should().Be(1);
    }

    [Fact]
    public void The_ring_and_the_16_bit_indices_wrap_around()
    {
        var d = new VirtioDriver().Start(size: 4);
        uint header = d.Header(In, 1), data = d.Alloc(512), status = d.Alloc(1);
        const int count = 66_000; // past 65536: avail.idx and used.idx wrap
        int bad = 0;
        for (int i = 0; i < count; i++)
        {
            d.W8(status, 0xFF);
            ushort head = d.WriteChain((header, 16, false), (data, 512, true), (status, 1, true));
            d.Publish(head);
            d.Notify();
            if (d.UsedIdx != (ushort)(i + 1) || d.Used(i).Id != head || d.R8(status) != VirtioBlockStatus.Ok)
                bad++;
        }
        bad.Should().Be(0);
        d.Transport.Counters.BuffersUsed.Should().Be(count);
        (d.Status & VirtioStatus.DeviceNeedsReset).Should().Be(0);
    }

    [Fact]
    public void Data_may_be_spread_over_several_descriptors_of_any_length()
    {
        var d = new VirtioDriver().Start();
        uint header = d.Header(In, 2);
        uint a = d.Alloc(100), b = d.Alloc(400), c = d.Alloc(12), status = d.Alloc(1);
        ushort head = d.WriteChain((header, 16, false), (a, 100, true), (b, 400, true), (c, 12, true), (status, 1, true));
        d.Publish(head);
        d.Notify();

        d.R8(status).Should().Be(VirtioBlockStatus.Ok);
        var sector = d.Disk.Data.AsSpan(2 * 512, 512);
        d.Ram(a, 100).ToArray().Should().Equal(sector[..100].ToArray());
        d.Ram(b, 400).ToArray().Should().Equal(sector[100..500].ToArray());
        d.Ram(c, 12).ToArray().Should().Equal(sector[500..].ToArray());
        d.Used(0).Len.Should().Be(513);
    }

    [Fact]
    public void Transfers_larger_than_the_scratch_buffer_move_in_chunks()
    {
        var disk = new MemoryBackend(VirtioDriver.Pattern(400));
        var d = new VirtioDriver(disk).Start();
        const uint bytes = 300 * 512; // > 64 KiB in one descriptor
        var r = d.Submit(In, 50, bytes);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        r.DataBytes.Should().Equal(disk.Data.AsSpan(50 * 512, (int)bytes).ToArray());

        var w = d.Submit(Out, 0, bytes);
        d.Ram(w.Data, (int)bytes).Fill(0x5A);
        d.Notify();
        w.Status.Should().Be(VirtioBlockStatus.Ok);
        disk.Data.AsSpan(0, (int)bytes).ToArray().Should().OnlyContain(x => x == 0x5A);
    }

    [Fact]
    public void The_status_is_the_last_byte_of_a_longer_status_buffer()
    {
        var d = new VirtioDriver().Start();
        uint header = d.Header(Flush, 0), status = d.Alloc(4);
        d.Ram(status, 4).Fill(0xFF);
        d.Publish(d.WriteChain((header, 16, false), (status, 4, true)));
        d.Notify();
        d.Ram(status, 4).ToArray().Should().Equal(0xFF, 0xFF, 0xFF, VirtioBlockStatus.Ok);
    }

    [Fact]
    public void An_indirect_table_carries_a_whole_request()
    {
        var d = new VirtioDriver().Start(VirtioDriver.DefaultFeatures | VirtioFeature.Bit(VirtioFeature.IndirectDesc));
        uint table = d.Alloc(3 * 16), header = d.Header(In, 7), data = d.Alloc(512), status = d.Alloc(1);
        d.WriteDesc(table, 0, header, 16, VirtqDescFlags.Next, 1);
        d.WriteDesc(table, 1, data, 512, VirtqDescFlags.Write | VirtqDescFlags.Next, 2);
        d.WriteDesc(table, 2, status, 1, VirtqDescFlags.Write);
        d.WriteDesc(5, table, 3 * 16, VirtqDescFlags.Indirect);
        d.Publish(5);
        d.Notify();

        d.R8(status).Should().Be(VirtioBlockStatus.Ok);
        d.Ram(data, 512).ToArray().Should().Equal(d.Disk.Data.AsSpan(7 * 512, 512).ToArray());
        d.Used(0).Should().Be((5u, 513u));
    }

    [Fact]
    public void Read_only_backend_fails_out_with_ioerr_but_serves_in()
    {
        var disk = new MemoryBackend(VirtioDriver.Pattern(8), readOnly: true);
        var d = new VirtioDriver(disk).Start();
        var before = disk.Data.ToArray();
        var w = d.Submit(Out, 1, 512);
        d.Ram(w.Data, 512).Fill(0x11);
        var r = d.Submit(In, 1, 512);
        d.Notify();

        w.Status.Should().Be(VirtioBlockStatus.IoErr);
        disk.Data.Should().Equal(before);
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        d.Device.Counters.RequestErrors.Should().Be(1);
    }

    [Fact]
    public void Backend_errors_become_ioerr()
    {
        var disk = new MemoryBackend(VirtioDriver.Pattern(8)) { FailIo = true };
        var d = new VirtioDriver(disk).Start();
        var r = d.Submit(In, 0, 512);
        var w = d.Submit(Out, 0, 512);
        var f = d.Submit(Flush, 0);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.IoErr);
        w.Status.Should().Be(VirtioBlockStatus.IoErr);
        f.Status.Should().Be(VirtioBlockStatus.IoErr);
        d.UsedIdx.Should().Be(3);
    }

    [Fact]
    public void Requests_are_reported_to_the_event_sink()
    {
        var d = new VirtioDriver().Start();
        d.Submit(In, 3, 1024);
        d.Notify();
        d.Log.Lines.Should().Contain("virtio-blk request IN sector=3 len=1024 status=0");
        d.Log.Lines.Should().Contain(l => l.StartsWith("virtio-mmio used idx=1"));
        d.Log.Lines.Should().Contain("virtio-mmio irq raised (used buffer)");
    }

    [Fact]
    public void Without_an_event_sink_nothing_is_reported_and_nothing_breaks()
    {
        var d = new VirtioDriver().Start();
        d.Transport.Events = null;
        d.Device.Events.Should().BeNull();
        d.Submit(In, 3, 1024).Head.Should().Be(0);
        d.Notify();
        d.Log.Lines.Should().NotContain(l => l.Contains("request"));
        d.UsedIdx.Should().Be(1);
    }
}
