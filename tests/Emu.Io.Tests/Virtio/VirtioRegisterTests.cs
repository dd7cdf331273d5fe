using static Emu.Io.Virtio.VirtioMmioRegister;

namespace Emu.Io.Tests.Virtio;

public class VirtioRegisterTests
{
    [Fact]
    public void Identity_registers_read_magic_version_2_block_device_and_vendor()
    {
        var d = new VirtioDriver();
        d.Reg(MagicValue).Should().Be(0x74726976);
        d.Reg(VirtioMmioRegister.Version).Should().Be(2);
        d.Reg(DeviceId).Should().Be(2);
        d.Reg(VendorId).Should().Be(VirtioMmioTransport.VendorIdValue);
        d.Reg(ConfigGeneration).Should().Be(0);
    }

    [Fact]
    public void Device_features_are_offered_in_two_32_bit_halves()
    {
        var d = new VirtioDriver();
        d.Reg(DeviceFeaturesSel, 0);
        uint low = d.Reg(DeviceFeatures);
        d.Reg(DeviceFeaturesSel, 1);
        uint high = d.Reg(DeviceFeatures);
        d.Reg(DeviceFeaturesSel, 2);
        uint beyond = d.Reg(DeviceFeatures);

        high.Should().Be(1, "VERSION_1 is bit 32");
        (low & (1u << VirtioBlockFeature.Flush)).Should().NotBe(0);
        (low & (1u << VirtioFeature.EventIdx)).Should().NotBe(0);
        (low & (1u << VirtioFeature.IndirectDesc)).Should().NotBe(0);
        (low & (1u << VirtioBlockFeature.ReadOnly)).Should().Be(0, "the disk is writable");
        beyond.Should().Be(0);
    }

    [Fact]
    public void A_read_only_backend_offers_VIRTIO_BLK_F_RO()
    {
        var d = new VirtioDriver(new MemoryBackend(4096, readOnly: true));
        d.Reg(DeviceFeaturesSel, 0);
        (d.Reg(DeviceFeatures) & (1u << VirtioBlockFeature.ReadOnly)).Should().NotBe(0);
    }

    [Fact]
    public void Features_ok_sticks_for_an_offered_subset_with_version_1()
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures | VirtioFeature.Bit(VirtioFeature.EventIdx)).Should().BeTrue();
        d.Transport.DriverFeatures.Should().Be(VirtioDriver.DefaultFeatures | VirtioFeature.Bit(VirtioFeature.EventIdx));
    }

    [Theory]
    [InlineData(40)] // not offered (high half)
    [InlineData(0)]  // VIRTIO_BLK_F_BARRIER (legacy), not offered
    [InlineData(31)]
    public void Features_ok_is_refused_when_the_driver_accepts_a_feature_not_offered(int bit)
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures | VirtioFeature.Bit(bit)).Should().BeFalse();
        (d.Status & VirtioStatus.FeaturesOk).Should().Be(0);
        d.Log.Lines.Should().Contain(l => l.Contains("features refused"));
    }

    [Fact]
    public void Features_ok_is_refused_without_version_1()
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioFeature.Bit(VirtioBlockFeature.Flush)).Should().BeFalse();
    }

    [Fact]
    public void Driver_features_cannot_change_after_features_ok()
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures).Should().BeTrue();
        d.Reg(DriverFeaturesSel, 0);
        d.Reg(DriverFeatures, 0xFFFF_FFFF);
        d.Transport.DriverFeatures.Should().Be(VirtioDriver.DefaultFeatures);
    }

    [Fact]
    public void Queue_size_max_is_256_for_queue_0_and_0_for_queues_that_do_not_exist()
    {
        var d = new VirtioDriver();
        d.Reg(QueueSel, 0);
        d.Reg(QueueSizeMax).Should().Be(256);
        foreach (uint sel in new[] { 1u, 7u, 0x8000_0000u, 0xFFFF_FFFFu })
        {
            d.Reg(QueueSel, sel);
            d.Reg(QueueSizeMax).Should().Be(0);
            d.Reg(QueueReady, 1); // ignored: no such queue
            d.Reg(QueueReady).Should().Be(0);
        }
    }

    [Fact]
    public void Queue_registers_read_back_and_freeze_while_the_queue_is_ready()
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures);
        d.SetupQueue(32).Should().BeTrue();
        d.Reg(VirtioMmioRegister.QueueSize).Should().Be(32);
        d.Reg(QueueDescLow).Should().Be(VirtioDriver.DescAddr);
        d.Reg(QueueDriverLow).Should().Be(VirtioDriver.AvailAddr);
        d.Reg(QueueDeviceLow).Should().Be(VirtioDriver.UsedAddr);

        d.Reg(QueueDescLow, 0x5_0000);
        d.Reg(VirtioMmioRegister.QueueSize, 8);
        d.Reg(QueueDescLow).Should().Be(VirtioDriver.DescAddr, "a live ring cannot be moved");
        d.Reg(VirtioMmioRegister.QueueSize).Should().Be(32);

        d.Reg(QueueReady, 0);
        d.Reg(QueueReady).Should().Be(0);
        d.Reg(QueueDescLow, 0x5_0000);
        d.Reg(QueueDescLow).Should().Be(0x5_0000, "a stopped queue can be reprogrammed");
    }

    [Fact]
    public void Attach_maps_the_window_page_as_mmio()
    {
        var d = new VirtioDriver();
        d.Memory.KindOf(VirtioDriver.Base).Should().Be(Emu.Memory.PageKind.Mmio);
        d.Bus.Ranges.Should().ContainSingle(r => r.Start == VirtioDriver.Base && r.Length == VirtioMmioTransport.WindowSize);
    }

    [Fact]
    public void A_queue_cannot_be_made_ready_before_features_ok()
    {
        var d = new VirtioDriver();
        d.Reg(VirtioMmioRegister.Status, VirtioStatus.Acknowledge | VirtioStatus.Driver);
        d.SetupQueue(16).Should().BeFalse();
        d.Log.Lines.Should().Contain(l => l.Contains("FEATURES_OK not set"));
        d.Negotiate(VirtioDriver.DefaultFeatures).Should().BeTrue();
        d.SetupQueue(16).Should().BeTrue();
    }

    [Fact]
    public void Status_zero_resets_everything_and_lowers_the_interrupt()
    {
        var d = new VirtioDriver().Start();
        var r = d.Submit(VirtioBlockRequestType.In, 0, 512);
        d.Notify();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        d.Irq.Level.Should().BeTrue();

        d.Reg(VirtioMmioRegister.Status, 0);

        d.Status.Should().Be(0);
        d.Reg(VirtioMmioRegister.InterruptStatus).Should().Be(0);
        d.Irq.Level.Should().BeFalse();
        d.Reg(QueueReady).Should().Be(0);
        d.Reg(QueueDescLow).Should().Be(0);
        d.Reg(VirtioMmioRegister.QueueSize).Should().Be(256, "QueueSize resets to the maximum");
        d.Transport.DriverFeatures.Should().Be(0);
        d.Transport.Queues[0].LastAvailIdx.Should().Be(0);
    }

    [Fact]
    public void The_driver_cannot_set_device_needs_reset()
    {
        var d = new VirtioDriver();
        d.Reg(VirtioMmioRegister.Status, VirtioStatus.Acknowledge | VirtioStatus.DeviceNeedsReset);
        d.Status.Should().Be(VirtioStatus.Acknowledge);
    }

    [Fact]
    public void Interrupt_ack_clears_only_the_acknowledged_bits()
    {
        var d = new VirtioDriver().Start();
        d.Submit(VirtioBlockRequestType.In, 0, 512);
        d.Notify();
        d.Reg(VirtioMmioRegister.InterruptStatus).Should().Be(VirtioInterrupt.UsedBuffer);
        d.Reg(InterruptAck, VirtioInterrupt.ConfigChange);
        d.Irq.Level.Should().BeTrue();
        d.Reg(InterruptAck, VirtioInterrupt.UsedBuffer);
        d.Irq.Level.Should().BeFalse();
    }

    [Theory]
    [InlineData(MagicValue, 1)]
    [InlineData(MagicValue, 2)]
    [InlineData(MagicValue + 1, 1)]
    [InlineData(VirtioMmioRegister.Version + 2, 2)]
    [InlineData(DeviceId + 1, 1)]
    public void Narrow_or_unaligned_register_reads_return_zero(uint offset, int width)
    {
        var d = new VirtioDriver();
        d.Bus.Read(VirtioDriver.Base + offset, width).Should().Be(0);
    }

    [Fact]
    public void Narrow_or_unaligned_register_writes_are_ignored()
    {
        var d = new VirtioDriver();
        d.Bus.Write(VirtioDriver.Base + VirtioMmioRegister.Status, 1, VirtioStatus.Acknowledge);
        d.Bus.Write(VirtioDriver.Base + VirtioMmioRegister.Status, 2, VirtioStatus.Acknowledge);
        d.Bus.Write(VirtioDriver.Base + VirtioMmioRegister.Status + 1, 1, 0xFF);
        d.Status.Should().Be(0);
        d.Bus.Write(VirtioDriver.Base + QueueNotify + 2, 2, 0);
        d.Transport.Counters.Notifications.Should().Be(0);
    }

    [Fact]
    public void Config_space_gives_capacity_in_sectors_at_any_width()
    {
        var d = new VirtioDriver(new MemoryBackend(0x1234_5 * 512L)); // 74565 sectors
        ulong capacity = d.Reg(Config) | ((ulong)d.Reg(Config + 4) << 32);
        capacity.Should().Be(0x12345);
        d.Bus.Read(VirtioDriver.Base + Config, 1).Should().Be(0x45);
        d.Bus.Read(VirtioDriver.Base + Config + 1, 2).Should().Be(0x0123, "config space allows unaligned accesses");
        d.Bus.Read(VirtioDriver.Base + Config + 2, 1).Should().Be(0x01);
        d.Reg(Config + 12).Should().Be(254, "seg_max");
        d.Reg(Config + 20).Should().Be(512, "blk_size");
        d.Reg(Config + 24).Should().Be(0, "past the config structure");
        d.Bus.Read(VirtioDriver.Base + 0xFFC, 4).Should().Be(0);
        d.Bus.Read(VirtioDriver.Base + 0xFFF, 1).Should().Be(0);
    }

    [Fact]
    public void Config_writes_are_ignored()
    {
        var d = new VirtioDriver(new MemoryBackend(8 * 512));
        d.Reg(Config, 0xFFFF_FFFF);
        d.Bus.Write(VirtioDriver.Base + Config + 3, 1, 0xFF);
        d.Reg(Config).Should().Be(8);
    }

    [Fact]
    public void Register_names_for_traces()
    {
        var d = new VirtioDriver();
        d.Transport.RegisterName(QueueNotify, true).Should().Be("queue-notify");
        d.Transport.RegisterName(Config + 8, false).Should().Be("config+08");
    }
}
