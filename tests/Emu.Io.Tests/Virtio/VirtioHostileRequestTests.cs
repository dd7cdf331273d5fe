using static Emu.Io.Virtio.VirtioBlockRequestType;
using static Emu.Io.Virtio.VirtqDescFlags;

namespace Emu.Io.Tests.Virtio;

/// <summary>Hostile indirect tables and block requests: each ends in the documented state, no host exception.</summary>
public class VirtioHostileRequestTests
{
    private static readonly ulong IndirectFeatures = VirtioDriver.DefaultFeatures | VirtioFeature.Bit(VirtioFeature.IndirectDesc);

    private static (uint Id, uint Len) Run(VirtioDriver d, ushort head)
    {
        ushort before = d.UsedIdx;
        d.Publish(head);
        d.Notify();
        d.UsedIdx.Should().Be((ushort)(before + 1));
        (d.Status & VirtioStatus.DeviceNeedsReset).Should().Be(0);
        return d.Used(before);
    }

    /// <summary>Publishes descriptor 0, which the device must return with nothing written (length 0),
    /// logging <paramref name="error"/>.</summary>
    private static void RunMalformed(VirtioDriver d, ChainError error)
    {
        d.TakeDescriptors(1);
        Run(d, 0).Len.Should().Be(0);
        d.Log.Lines.Should().Contain(l => l.Contains(error.ToString()));
    }

    /// <summary>An indirect table of <paramref name="entries"/> slots holding a good IN request at 0..2.</summary>
    private static uint IndirectTable(VirtioDriver d, int entries, out uint status)
    {
        uint table = d.Alloc(Math.Max(entries, 3) * 16), header = d.Header(In, 0), data = d.Alloc(512);
        status = d.Alloc(1);
        d.WriteDesc(table, 0, header, 16, Next, 1);
        d.WriteDesc(table, 1, data, 512, Write | Next, 2);
        d.WriteDesc(table, 2, status, 1, Write);
        return table;
    }

    // ---- indirect tables ----

    [Theory]
    [InlineData(0u)]
    [InlineData(20u)]              // not a multiple of 16
    [InlineData(47u)]
    [InlineData(257u * 16)]        // more than 256 entries
    [InlineData(0xFFFF_FFF0u)]     // huge
    public void An_indirect_table_with_a_bad_length_is_malformed(uint length)
    {
        var d = new VirtioDriver().Start(IndirectFeatures);
        uint table = IndirectTable(d, 3, out uint status);
        d.WriteDesc(0, table, length, Indirect);
        d.TakeDescriptors(1);
        Run(d, 0).Should().Be((0u, 0u));
        d.R8(status).Should().Be(0);
        d.Log.Lines.Should().Contain(l => l.Contains(nameof(ChainError.IndirectBadLength)));
    }

    [Fact]
    public void A_nested_indirect_descriptor_is_malformed() =>
        RunIndirectTableWith((d, table) => d.WriteDesc(table, 1, table, 48, Indirect | Next, 2), ChainError.NestedIndirect);

    [Fact]
    public void A_loop_inside_an_indirect_table_is_ended_by_the_table_size() =>
        RunIndirectTableWith((d, table) => d.WriteDesc(table, 2, d.Alloc(1), 1, Write | Next, 0), ChainError.Loop);

    [Fact]
    public void A_next_index_past_the_indirect_table_is_malformed() => // the table has 3 entries
        RunIndirectTableWith((d, table) => d.WriteDesc(table, 1, d.Alloc(512), 512, Write | Next, 3), ChainError.NextOutOfRange);

    /// <summary>A 3-entry indirect table at the head of a chain, with one entry made bad by <paramref name="badEntry"/>:
    /// the request is malformed, for <paramref name="error"/>.</summary>
    private static void RunIndirectTableWith(Action<VirtioDriver, uint> badEntry, ChainError error)
    {
        var d = new VirtioDriver().Start(IndirectFeatures);
        uint table = IndirectTable(d, 3, out _);
        badEntry(d, table);
        d.WriteDesc(0, table, 48, Indirect);
        RunMalformed(d, error);
    }

    [Fact]
    public void Indirect_with_next_or_not_at_the_head_is_malformed()
    {
        var d = new VirtioDriver().Start(IndirectFeatures);
        uint table = IndirectTable(d, 3, out _);
        d.WriteDesc(0, table, 48, Indirect | Next, 1);
        d.WriteDesc(1, d.Alloc(1), 1, Write);
        d.TakeDescriptors(2);
        Run(d, 0).Len.Should().Be(0);

        d.WriteDesc(2, d.Header(In, 0), 16, Next, 3);
        d.WriteDesc(3, table, 48, Indirect);
        d.TakeDescriptors(2);
        Run(d, 2).Len.Should().Be(0);
        d.Log.Lines.Count(l => l.Contains(nameof(ChainError.IndirectMisplaced))).Should().Be(2);
    }

    [Fact]
    public void An_indirect_table_outside_ram_is_malformed()
    {
        var d = new VirtioDriver().Start(IndirectFeatures);
        d.WriteDesc(0, 0xD_0000, 48, Indirect);
        RunMalformed(d, ChainError.BufferOutsideRam);
    }

    [Fact]
    public void Indirect_descriptors_need_the_feature()
    {
        var d = new VirtioDriver().Start();
        uint table = IndirectTable(d, 3, out uint status);
        d.WriteDesc(0, table, 48, Indirect);
        RunMalformed(d, ChainError.IndirectNotNegotiated);
        d.R8(status).Should().Be(0);
    }

    [Fact]
    public void A_full_256_entry_indirect_table_is_accepted()
    {
        var d = new VirtioDriver(new MemoryBackend(VirtioDriver.Pattern(300))).Start(IndirectFeatures);
        uint table = d.Alloc(256 * 16), header = d.Header(In, 0), status = d.Alloc(1), data = d.Alloc(254 * 512);
        d.WriteDesc(table, 0, header, 16, Next, 1);
        for (int i = 1; i <= 254; i++)
            d.WriteDesc(table, i, data + (uint)(i - 1) * 512, 512, Write | Next, (ushort)(i + 1));
        d.WriteDesc(table, 255, status, 1, Write);
        d.WriteDesc(0, table, 256 * 16, Indirect);
        d.TakeDescriptors(1);
        Run(d, 0).Len.Should().Be(254 * 512 + 1);
        d.R8(status).Should().Be(VirtioBlockStatus.Ok);
        d.Ram(data, 254 * 512).ToArray().Should().Equal(d.Disk.Data.AsSpan(0, 254 * 512).ToArray());
    }

    // ---- block request layout ----

    [Fact]
    public void A_single_descriptor_request_has_no_status_and_gets_length_0()
    {
        var d = new VirtioDriver().Start();
        uint h = d.Header(In, 0);
        Run(d, d.WriteChain((h, 16, false))).Len.Should().Be(0);
        d.Device.Counters.RequestErrors.Should().Be(1);
    }

    [Theory]
    [InlineData(1u, false)] // read-only
    [InlineData(0u, true)]  // zero length
    public void A_request_whose_status_descriptor_cannot_take_the_status_is_malformed_and_never_written(uint length, bool writable)
    {
        var d = new VirtioDriver().Start();
        uint h = d.Header(Flush, 0), status = d.Alloc(1);
        d.W8(status, 0xAA);
        Run(d, d.WriteChain((h, 16, false), (status, length, writable))).Len.Should().Be(0);
        d.R8(status).Should().Be(0xAA);
        d.Disk.FlushCount.Should().Be(0, "a malformed request is not executed");
    }

    [Fact]
    public void A_short_or_device_writable_header_is_malformed()
    {
        var d = new VirtioDriver().Start();
        uint h = d.Header(In, 0), s1 = d.Alloc(1), s2 = d.Alloc(1);
        d.W8(s1, 0xAA);
        d.W8(s2, 0xAA);
        Run(d, d.WriteChain((h, 8, false), (s1, 1, true))).Len.Should().Be(0);
        Run(d, d.WriteChain((h, 16, true), (s2, 1, true))).Len.Should().Be(0);
        d.R8(s1).Should().Be(0xAA);
        d.R8(s2).Should().Be(0xAA);
    }

    [Fact]
    public void Data_in_the_wrong_direction_is_ioerr()
    {
        var d = new VirtioDriver().Start();
        var before = d.Disk.Data.ToArray();
        var w = d.Submit(Out, 0, 512, deviceWrites: true);
        var r = d.Submit(In, 0, 512, deviceWrites: false);
        var id = d.Submit(GetId, 0, 20, deviceWrites: false);
        d.Ram(r.Data, 512).Fill(0x77);
        d.Notify();
        w.Status.Should().Be(VirtioBlockStatus.IoErr);
        r.Status.Should().Be(VirtioBlockStatus.IoErr);
        id.Status.Should().Be(VirtioBlockStatus.IoErr);
        d.Ram(r.Data, 512).ToArray().Should().OnlyContain(x => x == 0x77, "the device never writes a read-only buffer");
        d.Disk.Data.Should().Equal(before);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(511u)]
    [InlineData(513u)]
    public void Data_not_a_multiple_of_512_is_ioerr(uint length)
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(In, 0, length);
        d.Ram(r.Data, (int)length).Fill(0x77);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.IoErr);
        d.Used(0).Len.Should().Be(1);
        r.DataBytes.Should().OnlyContain(x => x == 0x77);
    }

    [Theory]
    [InlineData(64UL, 512u)]                    // first sector past the end (disk has 64)
    [InlineData(63UL, 1024u)]                   // runs one sector past the end
    [InlineData(1000UL, 0u)]                    // even with no data, the sector must be on the disk
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL, 512u)] // sector + count overflows
    [InlineData(0x0080_0000_0000_0000UL, 512u)] // sector × 512 overflows a long
    public void Sectors_past_the_capacity_are_ioerr(ulong sector, uint length)
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(In, sector, length);
        var w = d.Submit(Out, sector, length);
        var before = d.Disk.Data.ToArray();
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.IoErr);
        w.Status.Should().Be(VirtioBlockStatus.IoErr);
        d.Disk.Data.Should().Equal(before);
    }

    [Fact]
    public void The_last_sector_and_a_zero_length_request_at_the_capacity_are_fine()
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(In, 63, 512);
        var z = d.Submit(In, 64, 0);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        z.Status.Should().Be(VirtioBlockStatus.Ok);
    }

    [Fact]
    public void A_partial_last_sector_of_the_image_reads_zeros_past_its_end()
    {
        var disk = new MemoryBackend(new byte[1000]); // 2 sectors, the second partial
        disk.Data.AsSpan().Fill(0x33);
        var d = new VirtioDriver(disk).Start();
        var r = d.Submit(In, 1, 512);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        r.DataBytes.Should().Equal([.. Enumerable.Repeat((byte)0x33, 1000 - 512), .. new byte[1024 - 1000]]);
    }
}
