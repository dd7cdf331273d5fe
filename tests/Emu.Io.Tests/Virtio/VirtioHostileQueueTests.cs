using static Emu.Io.Virtio.VirtioBlockRequestType;
using static Emu.Io.Virtio.VirtioMmioRegister;
using static Emu.Io.Virtio.VirtqDescFlags;

namespace Emu.Io.Tests.Virtio;

/// <summary>A driver that breaks the ring rules: every case ends in the documented device state, no host exception.</summary>
public class VirtioHostileQueueTests
{
    private static readonly ulong IndirectFeatures = VirtioDriver.DefaultFeatures | VirtioFeature.Bit(VirtioFeature.IndirectDesc);

    /// <summary>Publishes <paramref name="head"/>, notifies, and checks it came back with length 0 as a malformed chain.</summary>
    private static void ExpectMalformed(VirtioDriver d, ushort head, ChainError? error = null)
    {
        ushort before = d.UsedIdx;
        long malformed = d.Transport.Counters.MalformedChains;
        d.Publish(head);
        d.Notify();
        d.UsedIdx.Should().Be((ushort)(before + 1), "a malformed chain is still returned so the driver is not stuck");
        d.Used(before).Should().Be((head, 0u));
        d.Transport.Counters.MalformedChains.Should().Be(malformed + 1);
        if (error is not null)
            d.Log.Lines.Should().Contain(l => l.Contains($"malformed chain ({error})"));
        (d.Status & VirtioStatus.DeviceNeedsReset).Should().Be(0);
    }

    /// <summary>After whatever happened, a good request still completes.</summary>
    private static void ExpectStillWorking(VirtioDriver d)
    {
        var r = d.Submit(In, 1, 512);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        r.DataBytes.Should().Equal(d.Disk.Data.AsSpan(512, 512).ToArray());
    }

    private static (uint Header, uint Data, uint Status) Buffers(VirtioDriver d, uint type = In, ulong sector = 0) =>
        (d.Header(type, sector), d.Alloc(512), d.Alloc(1));

    [Fact]
    public void A_descriptor_loop_is_ended_by_the_hop_budget()
    {
        var d = new VirtioDriver().Start(size: 8);
        var (h, data, _) = Buffers(d);
        d.WriteDesc(0, h, 16, Next, 1);
        d.WriteDesc(1, data, 512, Write | Next, 0); // back to 0
        d.TakeDescriptors(2);
        ExpectMalformed(d, 0, ChainError.Loop);
        ExpectStillWorking(d);
    }

    [Fact]
    public void A_descriptor_pointing_at_itself_is_a_loop()
    {
        var d = new VirtioDriver().Start(size: 256);
        var (h, _, _) = Buffers(d);
        d.WriteDesc(3, h, 16, Next, 3);
        ExpectMalformed(d, 3, ChainError.Loop);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(200)]
    [InlineData(0xFFFF)]
    public void A_next_index_out_of_range_is_malformed(int next)
    {
        var d = new VirtioDriver().Start(size: 16);
        var (h, _, _) = Buffers(d);
        d.WriteDesc(0, h, 16, Next, (ushort)next);
        d.TakeDescriptors(1);
        ExpectMalformed(d, 0, ChainError.NextOutOfRange);
        ExpectStillWorking(d);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(300)]
    [InlineData(0xFFFF)]
    public void A_head_out_of_range_is_returned_as_is_with_length_0(int head)
    {
        var d = new VirtioDriver().Start(size: 16);
        ExpectMalformed(d, (ushort)head, ChainError.HeadOutOfRange);
        ExpectStillWorking(d);
    }

    [Theory]
    [InlineData(0xFFFF_FFF0UL, 0x20u)]            // past guest memory
    [InlineData(0xFFFF_FFFF_FFFF_FFF0UL, 0x20u)]  // wraps the 64-bit address space
    [InlineData(0xD_0000UL, 512u)]                // the device's own MMIO page
    [InlineData(0xC_FF00UL, 512u)]                // straddles into the MMIO page
    [InlineData(0x10_FF00UL, 512u)]               // straddles the end of the HMA
    [InlineData(0x2_0000UL, 0xFFFF_FFFFu)]        // huge length (CVE-2016-7422)
    public void A_buffer_not_wholly_in_guest_ram_is_malformed_and_never_touched(ulong address, uint length)
    {
        var d = new VirtioDriver().Start();
        var (h, _, status) = Buffers(d);
        var mmioWrites = d.Bus.Ranges[0].Writes;
        ushort head = d.WriteChain((h, 16, false), (address, length, true), (status, 1, true));
        ExpectMalformed(d, head, ChainError.BufferOutsideRam);
        d.R8(status).Should().Be(0, "no status is written for a malformed chain");
        d.Bus.Ranges[0].Writes.Should().Be(mmioWrites + 1, "only the notify itself reached the MMIO window");
        ExpectStillWorking(d);
    }

    [Fact]
    public void A_header_outside_ram_is_malformed()
    {
        var d = new VirtioDriver().Start();
        uint status = d.Alloc(1);
        ushort head = d.WriteChain((0xD_0000, 16, false), (status, 1, true));
        ExpectMalformed(d, head, ChainError.BufferOutsideRam);
    }

    [Fact]
    public void Lengths_summed_over_a_long_chain_do_not_overflow()
    {
        // 254 data descriptors of 512 KiB each (all in RAM, overlapping): 127 MiB of OUT data, far past the
        // disk. The sum is kept in a long; the sector check fails it with IOERR; nothing is allocated.
        var d = new VirtioDriver().Start(size: 256);
        uint h = d.Header(Out, 0), status = d.Alloc(1);
        d.WriteDesc(0, h, 16, Next, 1);
        for (int i = 1; i <= 254; i++)
            d.WriteDesc(i, 0, 0x8_0000, Next, (ushort)(i + 1));
        d.WriteDesc(255, status, 1, Write);
        var diskBefore = d.Disk.Data.ToArray();
        d.Publish(0);
        d.Notify();
        d.R8(status).Should().Be(VirtioBlockStatus.IoErr);
        d.Used(0).Len.Should().Be(1);
        d.Disk.Data.Should().Equal(diskBefore);
    }

    [Fact]
    public void Avail_idx_running_more_than_the_queue_size_ahead_needs_a_reset()
    {
        var d = new VirtioDriver().Start(size: 16);
        d.Ack();
        d.W16(VirtioDriver.AvailAddr + 2, 17); // 17 new entries in a 16-entry ring (CVE-2016-5403)
        d.Notify();

        (d.Status & VirtioStatus.DeviceNeedsReset).Should().NotBe(0);
        d.Reg(InterruptStatus).Should().Be(VirtioInterrupt.ConfigChange);
        d.Irq.Level.Should().BeTrue();
        d.UsedIdx.Should().Be(0, "nothing was processed");
        d.Transport.Counters.NeedsResetEvents.Should().Be(1);
        d.Log.Lines.Should().Contain(l => l.Contains("DEVICE_NEEDS_RESET"));

        // The device stays stopped, whatever the driver does short of a reset...
        d.W16(VirtioDriver.AvailAddr + 2, 1);
        d.Notify();
        d.Transport.Poll().Should().BeFalse();
        d.UsedIdx.Should().Be(0);
        d.Reg(VirtioMmioRegister.Status, d.Status & ~VirtioStatus.DeviceNeedsReset);
        (d.Status & VirtioStatus.DeviceNeedsReset).Should().NotBe(0, "only a reset clears DEVICE_NEEDS_RESET");

        // ...and a reset brings it back.
        d.Start();
        d.Irq.Level.Should().BeFalse();
        ExpectStillWorking(d);
    }

    [Fact]
    public void Avail_idx_exactly_the_queue_size_ahead_is_legal()
    {
        var d = new VirtioDriver().Start(size: 4);
        for (int i = 0; i < 4; i++)
            d.WriteChain((d.Header(Flush, 0), 16, false), (d.Alloc(1), 1, true));
        for (ushort i = 0; i < 4; i++)
            d.Publish((ushort)(i * 2));
        d.Notify();
        d.UsedIdx.Should().Be(4);
        (d.Status & VirtioStatus.DeviceNeedsReset).Should().Be(0);
    }

    [Fact]
    public void Poll_also_detects_a_runaway_avail_idx()
    {
        var d = new VirtioDriver(mode: VirtioNotifyMode.Poll).Start(size: 8);
        d.W16(VirtioDriver.AvailAddr + 2, 0x8000);
        d.Transport.Poll().Should().BeFalse();
        (d.Status & VirtioStatus.DeviceNeedsReset).Should().NotBe(0);
        d.Transport.Queues[0].PendingCount(out var error).Should().Be(-1);
        error.Should().Be(new QueueError(QueueFault.AvailableIndexTooFarAhead, 0x8000, 0x8000, 8));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(100u)]
    [InlineData(512u)]
    [InlineData(0x1_0000u)] // would truncate to 0 in 16 bits
    [InlineData(0x1_0010u)] // would truncate to 16 in 16 bits
    public void A_queue_size_that_is_zero_not_a_power_of_two_or_too_big_is_refused(uint size)
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures);
        d.SetupQueue(size).Should().BeFalse();
        Enable(d, size, VirtioDriver.DescAddr, VirtioDriver.AvailAddr, VirtioDriver.UsedAddr)
            .Should().Be(new QueueError(QueueFault.BadSize, Count: size, Limit: SplitVirtqueue.MaxSizeLimit));
        d.DriverOk();
        d.W16(VirtioDriver.AvailAddr + 2, 1);
        d.Notify();
        d.Transport.Poll().Should().BeFalse();
        d.UsedIdx.Should().Be(0, "a queue that is not ready is never touched");
    }

    [Theory]
    [InlineData(VirtioDriver.DescAddr + 8, VirtioDriver.AvailAddr, VirtioDriver.UsedAddr)]
    [InlineData(VirtioDriver.DescAddr, VirtioDriver.AvailAddr + 1, VirtioDriver.UsedAddr)]
    [InlineData(VirtioDriver.DescAddr, VirtioDriver.AvailAddr, VirtioDriver.UsedAddr + 2)]
    public void Misaligned_rings_are_refused(ulong desc, ulong avail, ulong used)
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures);
        d.SetupQueue(16, desc, avail, used).Should().BeFalse();
        Enable(d, 16, desc, avail, used).Should().Be(new QueueError(QueueFault.Misaligned, desc, avail, used));
    }

    [Theory]
    [InlineData(0xD_0000UL, VirtioDriver.AvailAddr, VirtioDriver.UsedAddr, QueueFault.DescriptorTableNotRam)] // table on the MMIO page
    [InlineData(VirtioDriver.DescAddr, 0xC_FFF0UL, VirtioDriver.UsedAddr, QueueFault.AvailableRingNotRam)]   // avail runs into it
    [InlineData(VirtioDriver.DescAddr, VirtioDriver.AvailAddr, 0x10_FF00UL, QueueFault.UsedRingNotRam)]     // used runs off the HMA
    [InlineData(0x1_0000_0000UL, VirtioDriver.AvailAddr, VirtioDriver.UsedAddr, QueueFault.DescriptorTableNotRam)] // high half set
    [InlineData(VirtioDriver.DescAddr, VirtioDriver.AvailAddr, 0xFFFF_FFFF_FFFF_FFF0UL, QueueFault.UsedRingNotRam)]
    public void Rings_not_wholly_in_guest_ram_are_refused(ulong desc, ulong avail, ulong used, QueueFault fault)
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures);
        d.SetupQueue(256, desc, avail, used).Should().BeFalse();
        var error = Enable(d, 256, desc, avail, used);
        error.Fault.Should().Be(fault);
        error.Address.Should().Be(fault switch
        {
            QueueFault.DescriptorTableNotRam => desc,
            QueueFault.AvailableRingNotRam => avail,
            _ => used,
        }, "the error names the area it refused");
    }

    [Fact]
    public void A_ring_in_rom_is_refused()
    {
        var d = new VirtioDriver();
        d.Memory.Map(0x1_1000, GuestMemory.PageSize, PageKind.Rom);
        d.Negotiate(VirtioDriver.DefaultFeatures);
        d.SetupQueue(16).Should().BeFalse("the device could not write a used ring there, nor read from ROM by DMA");
        Enable(d, 16, VirtioDriver.DescAddr, VirtioDriver.AvailAddr, VirtioDriver.UsedAddr).Fault.Should().Be(QueueFault.AvailableRingNotRam);
    }

    /// <summary>A fresh queue over the driver's memory, set up as given: what QueueReady = 1 says of that set-up.</summary>
    private static QueueError Enable(VirtioDriver d, uint size, ulong desc, ulong avail, ulong used)
    {
        var q = new SplitVirtqueue(d.Memory);
        q.SetSize(size);
        q.SetDescTable(desc);
        q.SetAvailRing(avail);
        q.SetUsedRing(used);
        return q.Enable(eventIdx: true, indirect: true);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(0x8000_0000u)]
    [InlineData(0xFFFF_FFFFu)] // "-1": CVE-2011-2512
    public void A_notify_for_a_queue_that_does_not_exist_is_ignored(uint index)
    {
        var d = new VirtioDriver().Start();
        d.Submit(Flush, 0);
        d.Notify(index);
        d.UsedIdx.Should().Be(0);
        d.Transport.Counters.Notifications.Should().Be(1);
        d.Log.Lines.Should().Contain(l => l.Contains("no such queue"));
        d.Notify();
        d.UsedIdx.Should().Be(1);
    }

    [Fact]
    public void A_stopped_queue_is_not_touched()
    {
        var d = new VirtioDriver().Start();
        d.Reg(QueueReady, 0);
        d.Submit(Flush, 0);
        d.Notify();
        d.Transport.Poll();
        d.UsedIdx.Should().Be(0);
        d.Transport.Queues[0].LastAvailIdx.Should().Be(0);
    }

    [Fact]
    public void Rings_that_share_memory_still_terminate()
    {
        // Avail and used ring at the same address: each used.idx write also rewrites avail.idx.
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures | VirtioFeature.Bit(VirtioFeature.EventIdx));
        d.SetupQueue(8, VirtioDriver.DescAddr, VirtioDriver.UsedAddr, VirtioDriver.UsedAddr).Should().BeTrue();
        d.DriverOk();
        d.WriteChain((d.Header(Flush, 0), 16, false), (d.Alloc(1), 1, true));
        d.W16(VirtioDriver.UsedAddr + 2, 3);
        d.Notify();
        d.Transport.Queues[0].LastAvailIdx.Should().BeLessThanOrEqualTo(8, "at most one queue's worth per notify");
    }

    [Fact]
    public void A_request_that_rewrites_its_own_ring_is_processed_at_most_queue_size_times_per_notify()
    {
        // The IN data lands on the available ring: avail.idx (from the disk) claims one more entry each time
        // round? It cannot grow without bound, and the per-notify budget caps the work anyway.
        var disk = new Emu.Io.Storage.MemoryBackend(new byte[16 * 512]);
        var d = new VirtioDriver(disk).Start(size: 4);
        // Sector 0 holds an avail ring image: flags 0, idx 4, ring = [0, 0, 0, 0].
        disk.Data[2] = 4;
        uint h = d.Header(In, 0), status = d.Alloc(1);
        d.WriteDesc(0, h, 16, Next, 1);
        d.WriteDesc(1, VirtioDriver.AvailAddr, 512, Write | Next, 2);
        d.WriteDesc(2, status, 1, Write);
        d.Publish(0);
        d.Notify();
        d.Transport.Queues[0].NextUsedIdx.Should().BeLessThanOrEqualTo(4);
        d.Transport.Queues[0].NextUsedIdx.Should().Be(d.Transport.Queues[0].LastAvailIdx);
    }
}
