using Emu.Io.Tests.Ata;

namespace Emu.Io.Tests.Pci;

public class PciConfigTests
{
    private static uint ConfigRead(AtaRig rig, int device, int function, int register)
    {
        rig.Out32(0xCF8, 0x8000_0000u | (uint)(device << 11) | (uint)(function << 8) | (uint)register);
        return rig.In32(0xCFC);
    }

    private static void ConfigWrite(AtaRig rig, int device, int function, int register, uint value)
    {
        rig.Out32(0xCF8, 0x8000_0000u | (uint)(device << 11) | (uint)(function << 8) | (uint)register);
        rig.Out32(0xCFC, value);
    }

    [Fact]
    public void The_pc_machine_functions_identify_themselves_as_in_qemu()
    {
        var rig = new AtaRig();
        ConfigRead(rig, 0, 0, 0x00).Should().Be(0x1237_8086u);
        ConfigRead(rig, 0, 0, 0x08).Should().Be(0x0600_0002u);
        ConfigRead(rig, 1, 0, 0x00).Should().Be(0x7000_8086u);
        (ConfigRead(rig, 1, 0, 0x0C) >> 16 & 0xFF).Should().Be(0x80u, "multi-function, so 00:01.1 is probed");
        ConfigRead(rig, 1, 1, 0x00).Should().Be(0x7010_8086u);
        ConfigRead(rig, 1, 1, 0x08).Should().Be(0x0101_8000u, "class 01, subclass 01, prog-if 80");
        ConfigRead(rig, 1, 1, 0x20).Should().Be(0xC001u, "BAR4 = bus-master base | I/O");
        (ConfigRead(rig, 1, 1, 0x04) & 0xFFFF).Should().Be(0x0005u, "I/O and bus master enabled");
    }

    [Fact]
    public void Absent_functions_and_disabled_cycles_read_all_ones()
    {
        var rig = new AtaRig();
        ConfigRead(rig, 2, 0, 0).Should().Be(0xFFFF_FFFFu);
        ConfigRead(rig, 1, 2, 0).Should().Be(0xFFFF_FFFFu);
        ConfigRead(rig, 31, 7, 0xFC).Should().Be(0xFFFF_FFFFu);
        rig.Out32(0xCF8, 0x8001_0000); // bus 1
        rig.In32(0xCFC).Should().Be(0xFFFF_FFFFu);
        rig.Out32(0xCF8, 0x0000_0800); // enable bit clear
        rig.In32(0xCFC).Should().Be(0xFFFF_FFFFu);
        rig.In32(0xCF8).Should().Be(0x0000_0800u);
    }

    [Fact]
    public void Byte_and_word_reads_of_the_data_window_select_bytes_of_the_dword()
    {
        var rig = new AtaRig();
        rig.Out32(0xCF8, 0x8000_0908);
        rig.In(0xCFF).Should().Be(0x01, "class");
        rig.In(0xCFD).Should().Be(0x80, "prog-if");
        rig.In(0xCFB).Should().Be(0xFF, "byte cycles at CF8-CFB are not the address register");
        rig.In(0xCF9).Should().Be(0x00, "0xCF9 is the reset control register");
        rig.In16(0xCFE).Should().Be(0x0101);
        rig.Out32(0xCF8, 0x8000_0900);
        rig.In16(0xCFE).Should().Be(0x7010);
    }

    [Fact]
    public void Identification_is_read_only()
    {
        var rig = new AtaRig();
        ConfigWrite(rig, 1, 1, 0x00, 0x1234_5678);
        ConfigRead(rig, 1, 1, 0x00).Should().Be(0x7010_8086u);
        ConfigWrite(rig, 1, 1, 0x08, 0);
        ConfigRead(rig, 1, 1, 0x08).Should().Be(0x0101_8000u);
    }

    [Fact]
    public void Bar4_sizes_as_16_ports_and_moving_it_tells_the_hypervisor()
    {
        var rig = new AtaRig();
        var moves = new List<ushort?>();
        rig.Controller.PciFunction.BusMasterMoved += moves.Add;

        // The usual probe: decoding off, all ones, read the size, restore.
        ConfigWrite(rig, 1, 1, 0x04, 0);
        ConfigWrite(rig, 1, 1, 0x20, 0xFFFF_FFFF);
        uint probe = ConfigRead(rig, 1, 1, 0x20);
        probe.Should().Be(0xFFFF_FFF1u);
        (~(probe & ~3u) + 1).Should().Be(16u);
        ConfigWrite(rig, 1, 1, 0x20, 0xD000);
        ConfigWrite(rig, 1, 1, 0x04, 5);

        moves.Should().Equal(null, (ushort)0xD000);
        rig.Controller.PciFunction.BusMasterBase.Should().Be((ushort)0xD000);
        ConfigRead(rig, 1, 1, 0x20).Should().Be(0xD001u);
        rig.Controller.BusMaster.IoEnabled.Should().BeTrue();
    }

    [Fact]
    public void With_io_decoding_off_the_bus_master_window_floats()
    {
        var rig = new AtaRig();
        rig.Out32(AtaRig.Bm + 4, 0x1000);
        ConfigWrite(rig, 1, 1, 0x04, 0);
        rig.In32(AtaRig.Bm + 4).Should().Be(0xFFFF_FFFFu);
        rig.Out32(AtaRig.Bm + 4, 0x2000);
        ConfigWrite(rig, 1, 1, 0x04, 1);
        rig.In32(AtaRig.Bm + 4).Should().Be(0x1000u);
    }

    [Fact]
    public void Writing_cf9_with_the_reset_bit_requests_a_machine_reset()
    {
        var rig = new AtaRig();
        rig.Out(0xCF9, 0x02);
        rig.Resets.Should().Be(0);
        rig.Out(0xCF9, 0x06);
        rig.Resets.Should().Be(1);
    }

    [Fact]
    public void Attaching_twice_at_one_address_is_a_configuration_error()
    {
        var pci = new PciConfigPorts();
        pci.Attach(0, 0, new I440FxHostBridge());
        var act = () => pci.Attach(0, 0, new I440FxHostBridge());
        act.Should().Throw<ArgumentException>();
        var bad = () => pci.Attach(32, 0, new I440FxHostBridge());
        bad.Should().Throw<ArgumentOutOfRangeException>();
    }
}
