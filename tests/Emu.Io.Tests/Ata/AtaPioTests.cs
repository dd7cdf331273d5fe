using Emu.Tests.Shared;
using static Emu.Io.Tests.Ata.AtaRig;

namespace Emu.Io.Tests.Ata;

public class AtaPioTests
{
    [Fact]
    public void Power_on_state_is_ready_with_the_signature_loaded()
    {
        var rig = new AtaRig();
        rig.In(Status).Should().Be(0x50);
        rig.In(Error).Should().Be(0x01);
        rig.In(Count).Should().Be(1);
        rig.In(LbaLow).Should().Be(1);
        rig.In(LbaMid).Should().Be(0);
        rig.In(LbaHigh).Should().Be(0);
        rig.In(Device).Should().Be(0xA0, "bits 7 and 5 read as 1");
        rig.Irq14.Level.Should().BeFalse();
    }

    [Fact]
    public void Pio_read_of_n_sectors_raises_n_interrupts_and_returns_the_disk_bytes()
    {
        var rig = new AtaRig();
        rig.Lba28(AtaCommand.ReadSectors, lba: 5, count: 3);
        for (int s = 0; s < 3; s++)
        {
            rig.Irq14.Level.Should().BeTrue($"sector {s} is ready");
            rig.In(AltStatus).Should().Be(0x58);
            rig.Irq14.Level.Should().BeTrue("Alternate Status has no side effect");
            rig.In(Status).Should().Be(0x58);
            rig.Irq14.Level.Should().BeFalse("reading Status acknowledges");
            rig.ReadBlock().Should().Equal(rig.Disk.Data.AsSpan((5 + s) * 512, 512).ToArray());
        }
        rig.Irq14.RisingEdges.Should().Be(3);
        rig.Irq14.Level.Should().BeFalse("no interrupt after the last block is read");
        rig.In(Status).Should().Be(0x50);
        rig.In(Error).Should().Be(0);
        // The task file holds the last sector transferred and the sectors left.
        rig.In(LbaLow).Should().Be(7);
        rig.In(Count).Should().Be(0);
    }

    [Fact]
    public void Thirty_two_bit_data_reads_move_four_bytes()
    {
        var rig = new AtaRig();
        rig.Lba28(AtaCommand.ReadSectors, lba: 1, count: 1);
        var data = new byte[512];
        for (int i = 0; i < 512; i += 4)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(i), rig.In32(Data));
        data.Should().Equal(rig.Disk.Data.AsSpan(512, 512).ToArray());
        rig.In(Status).Should().Be(0x50);
    }

    [Fact]
    public void Pio_write_gets_drq_without_an_interrupt_then_one_interrupt_per_block()
    {
        var rig = new AtaRig();
        rig.Lba28(AtaCommand.WriteSectors, lba: 10, count: 2);
        rig.In(AltStatus).Should().Be(0x58, "DRQ for the first block at once");
        rig.Irq14.Level.Should().BeFalse("no interrupt before the first block");

        var first = Enumerable.Repeat((byte)0xA1, 512).ToArray();
        var second = Enumerable.Repeat((byte)0xB2, 512).ToArray();
        rig.WriteBlock(first);
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x58);
        rig.Disk.Data.AsSpan(10 * 512, 512).ToArray().Should().Equal(first);

        rig.WriteBlock(second);
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x50);
        rig.Disk.Data.AsSpan(11 * 512, 512).ToArray().Should().Equal(second);
        rig.Irq14.RisingEdges.Should().Be(2);
    }

    [Fact]
    public void Read_multiple_transfers_blocks_of_the_multiple_count_with_one_interrupt_each()
    {
        var rig = new AtaRig();
        rig.Out(Count, 2);
        rig.Out(Command, AtaCommand.SetMultiple);
        rig.In(Status).Should().Be(0x50);

        rig.Lba28(AtaCommand.ReadMultiple, lba: 20, count: 5);
        var got = new List<byte>();
        int interrupts = 0;
        while ((rig.In(AltStatus) & AtaStatus.Drq) != 0)
        {
            if (rig.Irq14.Level)
                interrupts++;
            rig.In(Status);
            int bytes = Math.Min(2, 5 - got.Count / 512) * 512;
            got.AddRange(rig.ReadBlock(bytes));
        }
        interrupts.Should().Be(3, "blocks of 2, 2 and 1 sectors");
        got.Should().Equal(rig.Disk.Data.AsSpan(20 * 512, 5 * 512).ToArray());
        rig.In(Status).Should().Be(0x50);
    }

    [Fact]
    public void Write_multiple_commits_whole_blocks()
    {
        var rig = new AtaRig();
        rig.Out(Count, 4);
        rig.Out(Command, AtaCommand.SetMultiple);
        rig.In(Status);
        rig.Lba28(AtaCommand.WriteMultiple, lba: 100, count: 6);
        var data = Enumerable.Range(0, 6 * 512).Select(i => (byte)(i * 13)).ToArray();
        rig.WriteBlock(data.AsSpan(0, 3 * 512));
        rig.Disk.Data[100 * 512].Should().Be(AtaRig.Pattern(2048)[100 * 512], "a block of 4 is not complete yet");
        rig.Irq14.Level.Should().BeFalse();
        rig.WriteBlock(data.AsSpan(3 * 512, 512));
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x58);
        rig.WriteBlock(data.AsSpan(4 * 512));
        rig.In(Status).Should().Be(0x50);
        rig.Disk.Data.AsSpan(100 * 512, 6 * 512).ToArray().Should().Equal(data);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(32)]
    [InlineData(255)]
    public void Set_multiple_rejects_counts_that_are_not_a_power_of_two_up_to_16(int count)
    {
        var rig = new AtaRig();
        rig.Out(Count, (byte)count);
        rig.Out(Command, AtaCommand.SetMultiple);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Abrt);
        rig.Master!.MultipleCount.Should().Be(16, "unchanged");
    }

    [Fact]
    public void Multiple_commands_abort_when_multiple_mode_is_off()
    {
        var rig = new AtaRig();
        rig.Out(Count, 0);
        rig.Out(Command, AtaCommand.SetMultiple);
        rig.In(Status).Should().Be(0x50);
        rig.Lba28(AtaCommand.ReadMultiple, 0, 1);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Abrt);
    }

    [Fact]
    public void Lba48_reads_hob_registers_back_and_addresses_past_28_bits()
    {
        // 2^28 + 16 sectors, held sparsely: only the touched sector matters.
        var disk = new SparseBackend((1L << 28) + 16);
        var rig = new AtaRig(disk);
        long lba = (1L << 28) + 3;
        rig.Lba48(AtaCommand.ReadSectorsExt, lba, count: 2);
        rig.In(Status).Should().Be(0x58);
        rig.ReadBlock().Should().OnlyContain(b => b == 0x5C);
        rig.In(Status).Should().Be(0x58);
        rig.ReadBlock();
        rig.In(Status).Should().Be(0x50);
        disk.Reads.Should().Equal((lba * 512, 512), ((lba + 1) * 512, 512));

        // Last sector transferred: LBA 2^28+4 = 0x0000_1000_0004; HOB=1 shows bits 47:24.
        rig.In(LbaLow).Should().Be(0x04);
        rig.In(LbaMid).Should().Be(0x00);
        rig.In(LbaHigh).Should().Be(0x00);
        rig.Out(Control, AtaControl.Hob);
        rig.In(LbaLow).Should().Be(0x10);
        rig.In(LbaMid).Should().Be(0x00);
        rig.In(Count).Should().Be(0x00);
        rig.Out(Control, 0);
    }

    [Fact]
    public void Hob_shows_the_previous_write_and_any_task_file_write_clears_it()
    {
        var rig = new AtaRig();
        rig.Out(LbaMid, 0x12);
        rig.Out(LbaMid, 0x34);
        rig.Out(Features, 0x77);
        rig.Out(Features, 0x88);
        rig.Out(Control, AtaControl.Hob);
        rig.In(LbaMid).Should().Be(0x12);
        rig.In(Error).Should().Be(0x77, "the HOB copy of Features");
        rig.Controller.Primary.DeviceControl.Should().Be(AtaControl.Hob);
        rig.Out(LbaLow, 0);
        rig.Controller.Primary.DeviceControl.Should().Be(0, "a task-file write clears HOB");
        rig.In(LbaMid).Should().Be(0x34);
    }

    [Fact]
    public void Lba28_beyond_the_disk_is_idnf_with_err()
    {
        var rig = new AtaRig();
        rig.Lba28(AtaCommand.ReadSectors, lba: 2047, count: 2);
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Idnf);
        rig.In(Data).Should().Be(0);

        rig.Lba28(AtaCommand.WriteSectors, lba: 4000, count: 1);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Idnf);

        rig.Lba48(AtaCommand.ReadVerifyExt, lba: 1L << 40, count: 1);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Idnf);

        rig.Lba28(AtaCommand.ReadSectors, lba: 2047, count: 1);
        rig.In(Status).Should().Be(0x58, "the last sector is in range");
    }

    [Fact]
    public void Chs_addressing_uses_the_current_translation_and_sector_zero_is_idnf()
    {
        // 16 heads x 63 sectors: C/H/S 0/1/2 is LBA 64.
        var rig = new AtaRig(new MemoryBackend(AtaRig.Pattern(2 * 16 * 63)));
        rig.Out(Device, 0xA1);
        rig.Out(Count, 1);
        rig.Out(LbaLow, 2);
        rig.Out(LbaMid, 0);
        rig.Out(LbaHigh, 0);
        rig.Out(Command, AtaCommand.ReadSectors);
        rig.In(Status).Should().Be(0x58);
        rig.ReadBlock().Should().Equal(rig.Disk.Data.AsSpan(64 * 512, 512).ToArray());

        rig.Out(LbaLow, 0);
        rig.Out(Command, AtaCommand.ReadSectors);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Idnf);

        // INITIALIZE DEVICE PARAMETERS to 4 heads x 17 sectors: C/H/S 1/0/1 is LBA 68.
        rig.Out(Device, 0xA3);
        rig.Out(Count, 17);
        rig.Out(Command, AtaCommand.InitializeDeviceParameters);
        rig.In(Status).Should().Be(0x50);
        rig.Out(Device, 0xA0);
        rig.Out(Count, 1);
        rig.Out(LbaLow, 1);
        rig.Out(LbaMid, 1);
        rig.Out(Command, AtaCommand.ReadSectors);
        rig.In(Status).Should().Be(0x58);
        rig.ReadBlock().Should().Equal(rig.Disk.Data.AsSpan(68 * 512, 512).ToArray());
        rig.Identify()[55].Should().Be(4);
    }

    [Theory]
    [InlineData(0x00)] // NOP subcommand 0 aborts by definition
    [InlineData(0x08)] // DEVICE RESET is for packet devices
    [InlineData(0xA1)] // IDENTIFY PACKET DEVICE
    [InlineData(0xFF)]
    [InlineData(0x50)]
    public void Unknown_and_packet_commands_abort_with_status_41_error_04_and_an_interrupt(byte command)
    {
        var rig = new AtaRig();
        rig.Out(Command, command);
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(0x04);
    }

    [Fact]
    public void Commands_written_while_drq_is_set_are_ignored()
    {
        var rig = new AtaRig();
        rig.Lba28(AtaCommand.ReadSectors, 0, 1);
        rig.In(Status).Should().Be(0x58);
        rig.Out(Command, 0xFF);
        rig.In(Status).Should().Be(0x58, "the unknown command was ignored");
        rig.In(Error).Should().Be(0);
        rig.ReadBlock().Should().Equal(rig.Disk.Data.AsSpan(0, 512).ToArray());
    }

    [Fact]
    public void The_data_port_without_drq_reads_zero_and_ignores_writes()
    {
        var rig = new AtaRig();
        rig.In16(Data).Should().Be(0);
        rig.In32(Data).Should().Be(0u);
        rig.In(Data).Should().Be(0);
        var before = rig.Disk.Data.ToArray();
        for (int i = 0; i < 600; i++)
            rig.Out16(Data, 0xDEAD);
        rig.Disk.Data.Should().Equal(before);
        rig.In(Status).Should().Be(0x50);
        // And after a transfer ends, reading on gives zeros rather than stale buffer bytes.
        rig.Lba28(AtaCommand.ReadSectors, 1, 1);
        rig.ReadBlock();
        rig.In16(Data).Should().Be(0);
    }

    [Fact]
    public void Soft_reset_shows_bsy_then_loads_the_signature_without_an_interrupt()
    {
        var rig = new AtaRig();
        rig.Lba28(AtaCommand.ReadSectors, 7, 4);
        rig.Irq14.Level.Should().BeTrue();
        rig.Out(Control, AtaControl.Srst);
        rig.In(AltStatus).Should().Be(0x80);
        rig.Irq14.Level.Should().BeFalse("reset drops the pending interrupt");
        rig.Out(Control, 0);
        rig.In(AltStatus).Should().Be(0x50);
        rig.In(Error).Should().Be(0x01);
        rig.In(Count).Should().Be(1);
        rig.In(LbaLow).Should().Be(1);
        rig.In(LbaMid).Should().Be(0);
        rig.In(LbaHigh).Should().Be(0);
        rig.In(Device).Should().Be(0xA0);
        rig.Irq14.Level.Should().BeFalse();
        rig.In16(Data).Should().Be(0, "the transfer was cancelled");
    }

    [Fact]
    public void Nien_keeps_intrq_low_and_a_pending_interrupt_appears_when_it_is_cleared()
    {
        var rig = new AtaRig();
        rig.Out(Control, AtaControl.NIen);
        rig.Out(Command, AtaCommand.CheckPowerMode);
        rig.Irq14.Level.Should().BeFalse();
        rig.In(AltStatus).Should().Be(0x50);
        rig.In(Count).Should().Be(0xFF);
        rig.Out(Control, 0);
        rig.Irq14.Level.Should().BeTrue("the device still had its interrupt pending");
        rig.In(Status);
        rig.Irq14.Level.Should().BeFalse();
        rig.Irq14.RisingEdges.Should().Be(1);
    }

    [Fact]
    public void Writing_the_command_register_lowers_intrq()
    {
        var rig = new AtaRig();
        rig.Out(Command, AtaCommand.IdleImmediate);
        rig.Irq14.Level.Should().BeTrue();
        rig.Out(Command, AtaCommand.StandbyImmediate);
        rig.Irq14.RisingEdges.Should().Be(2, "lowered by the command write, raised by its completion");
        rig.In(Status);
        rig.Out(Command, AtaCommand.CheckPowerMode);
        rig.In(Count).Should().Be(0x00, "standby");
    }

    [Fact]
    public void A_read_only_disk_aborts_writes_before_the_data_phase()
    {
        var disk = new MemoryBackend(AtaRig.Pattern(64), readOnly: true);
        var rig = new AtaRig(disk);
        foreach (byte command in new[] { AtaCommand.WriteSectors, AtaCommand.WriteMultiple, AtaCommand.WriteDma })
        {
            rig.Lba28(command, 0, 1);
            rig.Irq14.Level.Should().BeTrue();
            rig.In(Status).Should().Be(0x41);
            rig.In(Error).Should().Be(AtaError.Abrt);
        }
        rig.Lba48(AtaCommand.WriteSectorsExt, 0, 1);
        rig.In(Status).Should().Be(0x41);
        rig.Lba28(AtaCommand.ReadSectors, 0, 1);
        rig.In(Status).Should().Be(0x58, "reads still work");
    }

    [Fact]
    public void Flush_cache_reaches_the_backend_before_completion()
    {
        var rig = new AtaRig();
        rig.Out(Command, AtaCommand.FlushCache);
        rig.Disk.FlushCount.Should().Be(1);
        rig.In(Status).Should().Be(0x50);
        rig.Out(Command, AtaCommand.FlushCacheExt);
        rig.Disk.FlushCount.Should().Be(2);

        rig.Disk.FailIo = true;
        rig.Out(Command, AtaCommand.FlushCache);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Abrt);
    }

    [Fact]
    public void With_the_write_cache_off_every_write_command_is_flushed()
    {
        var rig = new AtaRig();
        rig.Out(Features, 0x82);
        rig.Out(Command, AtaCommand.SetFeatures);
        rig.In(Status).Should().Be(0x50);
        rig.Disk.FlushCount.Should().Be(1, "turning the cache off writes it back");
        rig.Identify()[85].Should().Be(0x4000);
        rig.Lba28(AtaCommand.WriteSectors, 3, 1);
        rig.WriteBlock(new byte[512]);
        rig.Disk.FlushCount.Should().Be(2);
        rig.Out(Features, 0x02);
        rig.Out(Command, AtaCommand.SetFeatures);
        rig.Identify()[85].Should().Be(0x4020);
    }

    [Fact]
    public void A_failing_host_disk_reports_unc_on_read()
    {
        var rig = new AtaRig();
        rig.Disk.FailIo = true;
        rig.Lba28(AtaCommand.ReadSectors, 9, 1);
        rig.In(Status).Should().Be(0x41);
        rig.In(Error).Should().Be(AtaError.Unc);
        rig.In(LbaLow).Should().Be(9, "the failing sector");
        rig.Lba28(AtaCommand.ReadVerify, 9, 1);
        rig.In(Error).Should().Be(AtaError.Unc);
    }

    [Fact]
    public void Read_verify_checks_the_range_and_moves_no_data()
    {
        var rig = new AtaRig();
        rig.Lba28(AtaCommand.ReadVerify, 10, 20);
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x50);
        rig.In(LbaLow).Should().Be(29);
        rig.In(Data).Should().Be(0);
    }

    [Fact]
    public void Execute_device_diagnostic_loads_signatures_selects_device_0_and_interrupts()
    {
        var rig = new AtaRig(slave: new MemoryBackend(4096));
        rig.Out(Device, 0xB0);
        rig.Out(Command, AtaCommand.ExecuteDiagnostic);
        rig.Controller.Primary.SelectedDevice.Should().Be(0);
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x50);
        rig.In(Error).Should().Be(0x01);
        rig.In(Count).Should().Be(1);
        rig.In(LbaLow).Should().Be(1);
    }

    [Fact]
    public void An_absent_slave_reads_zero_and_ignores_commands()
    {
        var rig = new AtaRig();
        rig.Out(Device, 0xB0);
        rig.In(Status).Should().Be(0);
        rig.In(AltStatus).Should().Be(0);
        rig.In(Error).Should().Be(0);
        rig.In(Count).Should().Be(0);
        rig.In(Device).Should().Be(0);
        rig.Out(Command, AtaCommand.IdentifyDevice);
        rig.Irq14.Level.Should().BeFalse();
        rig.In(Status).Should().Be(0);
        rig.In16(Data).Should().Be(0);
        rig.Out(Device, 0xA0);
        rig.In(Status).Should().Be(0x50);
    }

    [Fact]
    public void An_empty_channel_reads_zero_everywhere()
    {
        var rig = new AtaRig();
        for (ushort port = 0x170; port <= 0x177; port++)
            rig.In(port).Should().Be(0);
        rig.In(0x376).Should().Be(0);
        rig.Out(0x177, AtaCommand.IdentifyDevice);
        rig.Irq15.Level.Should().BeFalse();
    }

    [Fact]
    public void The_slave_answers_with_its_own_registers_and_only_the_selected_device_drives_intrq()
    {
        var slave = new MemoryBackend(Enumerable.Repeat((byte)0x77, 512 * 8).ToArray());
        var rig = new AtaRig(slave: slave);
        rig.Lba28(AtaCommand.ReadSectors, 2, 1, device: 1);
        rig.Irq14.Level.Should().BeTrue();
        rig.Out(Device, 0xA0);
        rig.Irq14.Level.Should().BeFalse("the master has no interrupt pending");
        rig.In(Status).Should().Be(0x50);
        rig.In(LbaLow).Should().Be(2, "task-file writes land in both copies");
        rig.Out(Device, 0xB0);
        rig.Irq14.Level.Should().BeTrue();
        rig.In(Status).Should().Be(0x58);
        rig.ReadBlock().Should().OnlyContain(b => b == 0x77);
    }

    [Fact]
    public void Set_features_transfer_mode_updates_identify_words_62_63_88()
    {
        var rig = new AtaRig();
        rig.Identify()[63].Should().Be(0x0407, "MW DMA 2 active by default");
        rig.Out(Features, 0x03);
        rig.Out(Count, 0x45); // UDMA 5
        rig.Out(Command, AtaCommand.SetFeatures);
        rig.In(Status).Should().Be(0x50);
        var id = rig.Identify();
        id[88].Should().Be(0x203F);
        id[63].Should().Be(0x0007);
        rig.Out(Features, 0x03);
        rig.Out(Count, 0x46); // UDMA 6: not supported
        rig.Out(Command, AtaCommand.SetFeatures);
        rig.In(Status).Should().Be(0x41);
        rig.Out(Features, 0xAA);
        rig.Out(Command, AtaCommand.SetFeatures);
        rig.In(Error).Should().Be(AtaError.Abrt);
    }

    // 200,000 random accesses of every width to both channels and the bus master: the controller never throws,
    // it ran commands along the way, and afterwards a driver's recovery (stop the bus master, soft reset)
    // gives a controller that reads the disk as it now is.
    [Fact]
    public void Hostile_register_traffic_never_throws_and_a_soft_reset_recovers_the_channel()
    {
        var rng = new Random(1234);
        var rig = new AtaRig(slave: new MemoryBackend(1000));
        ushort[] ports = [0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6, 0x170, 0x177, 0x376,
            Bm, Bm + 2, Bm + 4, Bm + 8, Bm + 10, Bm + 12];
        rig.WritePrds(0x1000, (0x2000, 0, false));
        var storm = () =>
        {
            for (int i = 0; i < 200_000; i++)
            {
                ushort port = ports[rng.Next(ports.Length)];
                int width = rng.Next(3) switch { 0 => 1, 1 => 2, _ => 4 };
                if (rng.Next(2) == 0)
                    rig.Bus.Read(port, width);
                else
                    rig.Bus.Write(port, width, (uint)rng.Next());
            }
        };

        storm.Should().NotThrow();
        rig.Log.Lines.Count(l => l.StartsWith("ata0 error: command ", StringComparison.Ordinal))
            .Should().BeGreaterThan(100, "the storm reached the command decoder, which refused what it could not do as a drive does");

        rig.Out(Bm, 0);
        rig.Out(Control, AtaControl.Srst);
        rig.Out(Control, 0);
        rig.In(Status).Should().Be(0x50, "after a soft reset the master is ready, whatever the storm left");
        rig.Lba28(AtaCommand.ReadSectors, lba: 7, count: 1);
        rig.In(Status).Should().Be(0x58);
        rig.ReadBlock().Should().Equal(rig.Disk.Data.AsSpan(7 * 512, 512).ToArray());
        rig.In(Status).Should().Be(0x50);
    }

    /// <summary>A huge disk holding only what was written; unwritten sectors read as 0x5C.</summary>
    private sealed class SparseBackend(long sectors) : IBlockBackend
    {
        public List<(long, int)> Reads { get; } = [];
        public long CapacityBytes => sectors * 512;
        public long SectorCount => sectors;
        public bool ReadOnly => false;
        public BlockStatus Read(long offset, Span<byte> destination)
        {
            if (!BlockRange.Fits(offset, destination.Length, SectorCount))
                return BlockStatus.OutOfRange;
            Reads.Add((offset, destination.Length));
            destination.Fill(0x5C);
            return BlockStatus.Ok;
        }
        public BlockStatus Write(long offset, ReadOnlySpan<byte> source) => BlockStatus.Ok;
        public BlockStatus Flush() => BlockStatus.Ok;
        public void Dispose()
        {
        }
    }
}

[Collection(AllocationCounting.Name)]
public class AtaAllocationTests
{
    [Fact]
    public void Pio_data_transfers_and_commands_allocate_nothing_without_a_tracer()
    {
        var rig = new AtaRig();
        rig.Controller.Events = null;
        void Run()
        {
            rig.Lba28(AtaCommand.ReadSectors, 0, 16);
            for (int s = 0; s < 16; s++)
            {
                rig.In(AtaRig.Status);
                for (int i = 0; i < 256; i++)
                    rig.In16(AtaRig.Data);
            }
            rig.Lba28(AtaCommand.WriteSectors, 0, 4);
            for (int i = 0; i < 4 * 256; i++)
                rig.Out16(AtaRig.Data, 0x1234);
            rig.In(AtaRig.Status);
            rig.Out(AtaRig.Command, 0xFF);
            rig.In(AtaRig.Status);
        }
        Run(); // warm up (JIT, static tables)
        AllocationCounting.SteadyStateBytes(Run).Should().Be(0);
    }
}
