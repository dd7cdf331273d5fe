using static Emu.Io.Tests.Ata.AtaRig;

namespace Emu.Io.Tests.Ata;

public class BusMasterDmaTests
{
    private const ushort BmCommand = Bm, BmStatus = Bm + 2, BmPrd = Bm + 4;
    private const uint Table = 0x8000;

    private static void StartBusMaster(AtaRig rig, bool toMemory) =>
        rig.Out(BmCommand, (byte)(BusMasterChannel.CommandStart | (toMemory ? BusMasterChannel.CommandWriteToMemory : 0)));

    /// <summary>Lays out a PRD table at <see cref="Table"/> and points the bus master at it.</summary>
    private static void UsePrds(AtaRig rig, params (uint Address, int Bytes, bool Eot)[] entries)
    {
        rig.WritePrds(Table, entries);
        rig.Out32(BmPrd, Table);
    }

    /// <summary>READ DMA of <paramref name="count"/> sectors at <paramref name="lba"/> into the regions of
    /// <paramref name="entries"/>, the bus master started after the command, as a driver does it.</summary>
    private static void ReadDma(AtaRig rig, int lba, int count, params (uint Address, int Bytes, bool Eot)[] entries)
    {
        UsePrds(rig, entries);
        rig.Lba28(AtaCommand.ReadDma, lba: lba, count: count);
        StartBusMaster(rig, toMemory: true);
    }

    [Fact]
    public void Read_dma_scatters_sectors_over_several_prds_and_completes_with_an_interrupt()
    {
        var rig = new AtaRig();
        // 3 sectors = 1536 bytes over regions of 1000, 36 and 500 bytes.
        UsePrds(rig, (0x10000, 1000, false), (0x20000, 36, false), (0x30000, 500, true));
        rig.Lba28(AtaCommand.ReadDma, lba: 4, count: 3);
        rig.In(AltStatus).Should().Be(0x58, "waiting for the bus master");
        rig.Irq14.Level.Should().BeFalse();
        StartBusMaster(rig, toMemory: true);

        var expected = rig.Disk.Data.AsSpan(4 * 512, 1536).ToArray();
        rig.Memory.Bytes.Slice(0x10000, 1000).ToArray().Should().Equal(expected[..1000]);
        rig.Memory.Bytes.Slice(0x20000, 36).ToArray().Should().Equal(expected[1000..1036]);
        rig.Memory.Bytes.Slice(0x30000, 500).ToArray().Should().Equal(expected[1036..]);
        rig.Memory.Bytes[0x30000 + 500].Should().Be(0, "nothing past the last region");

        rig.Irq14.Level.Should().BeTrue();
        rig.In(BmStatus).Should().Be(BusMasterChannel.StatusInterrupt | BusMasterChannel.StatusDrive0Dma,
            "active cleared: the table ended exactly");
        rig.In(Status).Should().Be(0x50);
        rig.Out(BmStatus, BusMasterChannel.StatusInterrupt);
        (rig.In(BmStatus) & BusMasterChannel.StatusInterrupt).Should().Be(0, "write 1 clears");
        rig.Out(BmCommand, 0);
    }

    [Fact]
    public void Write_dma_gathers_from_several_prds_when_the_bus_master_was_started_first()
    {
        var rig = new AtaRig();
        rig.Memory.Bytes.Slice(0x40000, 512).Fill(0x11);
        rig.Memory.Bytes.Slice(0x50000, 512).Fill(0x22);
        UsePrds(rig, (0x40000, 512, false), (0x50000, 512, true));
        StartBusMaster(rig, toMemory: false);
        (rig.In(BmStatus) & BusMasterChannel.StatusActive).Should().NotBe(0);
        rig.Lba28(AtaCommand.WriteDma, lba: 30, count: 2);

        rig.Disk.Data.AsSpan(30 * 512, 512).ToArray().Should().OnlyContain(b => b == 0x11);
        rig.Disk.Data.AsSpan(31 * 512, 512).ToArray().Should().OnlyContain(b => b == 0x22);
        rig.In(Status).Should().Be(0x50);
        (rig.In(BmStatus) & (BusMasterChannel.StatusActive | BusMasterChannel.StatusInterrupt)).Should().Be(BusMasterChannel.StatusInterrupt);
    }

    [Fact]
    public void Lba48_dma_of_more_than_one_buffer_streams_through_one_big_region()
    {
        var rig = new AtaRig();
        UsePrds(rig, (0x20000, 0, true)); // count 0 = 64 KiB
        rig.Lba48(AtaCommand.ReadDmaExt, lba: 0, count: 128);
        StartBusMaster(rig, toMemory: true);
        rig.Memory.Bytes.Slice(0x20000, 65536).ToArray().Should().Equal(rig.Disk.Data.AsSpan(0, 65536).ToArray());
        rig.In(Status).Should().Be(0x50);
        rig.In(BmStatus).Should().Be(BusMasterChannel.StatusInterrupt | BusMasterChannel.StatusDrive0Dma);
    }

    [Fact]
    public void Prds_shorter_than_the_transfer_set_the_error_bit_clear_active_and_raise_no_interrupt()
    {
        var rig = new AtaRig();
        ReadDma(rig, lba: 0, count: 2, (0x10000, 512, false), (0x11000, 256, true));

        rig.In(BmStatus).Should().Be(BusMasterChannel.StatusError | BusMasterChannel.StatusDrive0Dma);
        rig.Irq14.Level.Should().BeFalse();
        rig.Irq14.RisingEdges.Should().Be(0);
        rig.In(AltStatus).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Abrt);
        rig.Memory.Bytes.Slice(0x10000, 512).ToArray().Should().Equal(rig.Disk.Data.AsSpan(0, 512).ToArray());
    }

    [Fact]
    public void Prds_longer_than_the_transfer_complete_it_and_leave_the_bus_master_active()
    {
        var rig = new AtaRig();
        ReadDma(rig, lba: 0, count: 1, (0x10000, 4096, true));
        rig.In(Status).Should().Be(0x50);
        rig.In(BmStatus).Should().Be(BusMasterChannel.StatusActive | BusMasterChannel.StatusInterrupt | BusMasterChannel.StatusDrive0Dma);
        rig.Out(BmCommand, 0);
        (rig.In(BmStatus) & BusMasterChannel.StatusActive).Should().Be(0, "stopping clears active");
    }

    [Fact]
    public void A_prd_table_that_never_ends_stops_at_512_entries()
    {
        var rig = new AtaRig();
        // 600 entries of 2 bytes, none marked last: 512 of them cover 1024 bytes of a 4-sector transfer.
        var entries = Enumerable.Range(0, 600).Select(i => ((uint)(0x20000 + i * 2), 2, false)).ToArray();
        ReadDma(rig, lba: 0, count: 4, entries);
        rig.In(BmStatus).Should().Be(BusMasterChannel.StatusError | BusMasterChannel.StatusDrive0Dma);
        rig.Memory.Bytes.Slice(0x20000, 1024).ToArray().Should().Equal(rig.Disk.Data.AsSpan(0, 1024).ToArray());
        rig.Memory.Bytes[0x20000 + 1024].Should().Be(0, "entry 513 was never used");
        rig.Log.Lines.Should().Contain(l => l.Contains("PRD table too short after 512 entries"));
    }

    [Fact]
    public void Dma_to_memory_outside_ram_is_a_bus_error_and_touches_nothing()
    {
        var rig = new AtaRig();
        rig.Memory.Map(0xA0000, 0x20000, PageKind.Mmio);
        ReadDma(rig, lba: 1, count: 1, (0x9FF00, 512, true)); // straddles into the MMIO window
        rig.In(BmStatus).Should().Be(BusMasterChannel.StatusError | BusMasterChannel.StatusInterrupt | BusMasterChannel.StatusDrive0Dma);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Abrt);
        rig.Memory.Bytes.Slice(0x9FF00, 256).ToArray().Should().OnlyContain(b => b == 0);

        rig.Out(BmCommand, 0);
        rig.Out(BmStatus, BusMasterChannel.StatusError | BusMasterChannel.StatusInterrupt);
        rig.WritePrds(Table, (0xFFFF_0000, 512, true)); // far beyond guest memory
        rig.Lba28(AtaCommand.WriteDma, lba: 1, count: 1);
        StartBusMaster(rig, toMemory: false);
        (rig.In(BmStatus) & BusMasterChannel.StatusError).Should().NotBe(0);
        rig.Disk.Data.AsSpan(512, 512).ToArray().Should().Equal(AtaRig.Pattern(2).AsSpan(512, 512).ToArray());
    }

    [Fact]
    public void A_region_crossing_64_kib_and_a_table_outside_ram_are_errors()
    {
        var rig = new AtaRig();
        ReadDma(rig, lba: 0, count: 1, (0x1FF00, 512, true));
        (rig.In(BmStatus) & BusMasterChannel.StatusError).Should().NotBe(0);
        rig.Memory.Bytes.Slice(0x1FF00, 256).ToArray().Should().OnlyContain(b => b == 0);

        rig.Out(BmCommand, 0);
        rig.Out(BmStatus, 0xFF);
        rig.Out32(BmPrd, 0x00FF_FFF8);
        rig.In32(BmPrd).Should().Be(0x00FF_FFF8u);
        rig.Lba28(AtaCommand.ReadDma, lba: 0, count: 1);
        StartBusMaster(rig, toMemory: true);
        (rig.In(BmStatus) & BusMasterChannel.StatusError).Should().NotBe(0);
    }

    [Fact]
    public void The_prd_table_address_is_dword_aligned_and_dma_waits_for_pci_bus_master_enable()
    {
        var rig = new AtaRig();
        rig.Out32(BmPrd, Table | 3);
        rig.In32(BmPrd).Should().Be(Table);
        rig.WritePrds(Table, (0x10000, 512, true));

        // Clear PCI command bit 2 (bus master enable) of 00:01.1.
        rig.Out32(0xCF8, 0x8000_0904);
        rig.Out16(0xCFC, 0x0001);
        rig.Lba28(AtaCommand.ReadDma, lba: 2, count: 1);
        StartBusMaster(rig, toMemory: true);
        rig.In(AltStatus).Should().Be(0x58, "the bus master cannot reach memory yet");
        rig.Memory.Bytes[0x10000].Should().Be(0);
        rig.Out16(0xCFC, 0x0005);
        rig.In(Status).Should().Be(0x50);
        rig.Memory.Bytes.Slice(0x10000, 512).ToArray().Should().Equal(rig.Disk.Data.AsSpan(1024, 512).ToArray());
    }

    [Fact]
    public void Out_of_range_dma_is_idnf_without_touching_the_bus_master()
    {
        var rig = new AtaRig();
        UsePrds(rig, (0x10000, 512, true));
        StartBusMaster(rig, toMemory: true);
        rig.Lba28(AtaCommand.ReadDma, lba: 5000, count: 1);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Idnf);
        (rig.In(BmStatus) & BusMasterChannel.StatusActive).Should().NotBe(0, "no transfer happened");
    }

    [Fact]
    public void The_secondary_channel_has_its_own_registers_at_plus_8_and_irq_15()
    {
        var rig = new AtaRig();
        var secondary = new Emu.Io.Storage.MemoryBackend(AtaRig.Pattern(16));
        var controller = new AtaController(rig.Memory, rig.Irq14, rig.Irq15, secondaryMaster: new AtaDrive(secondary));
        var bus = new Emu.Io.Bus.PortBus();
        new Emu.Io.Devices.DeviceManager(bus, new Emu.Io.Bus.MmioBus(), rig.Memory, new Emu.Io.Pci.PciConfigPorts(), new Emu.Io.Timing.TimedDeviceSet())
            .Add(controller.Declaration);
        rig.WritePrds(Table, (0x10000, 512, true));
        bus.Write(Bm + 12, 4, Table);
        bus.Write(0x176, 1, 0xE0);
        bus.Write(0x172, 1, 1);
        bus.Write(0x173, 1, 3);
        bus.Write(0x174, 1, 0);
        bus.Write(0x175, 1, 0);
        bus.Write(0x177, 1, AtaCommand.ReadDma);
        bus.Write(Bm + 8, 1, 0x09);
        rig.Irq15.Level.Should().BeTrue();
        rig.Irq14.Level.Should().BeFalse();
        bus.Read(Bm + 10, 1).Should().Be((uint)(BusMasterChannel.StatusInterrupt | BusMasterChannel.StatusDrive0Dma));
        bus.Read(Bm + 2, 1).Should().Be(0u, "the primary channel has no drives here");
        rig.Memory.Bytes.Slice(0x10000, 512).ToArray().Should().Equal(secondary.Data.AsSpan(3 * 512, 512).ToArray());
    }
}
