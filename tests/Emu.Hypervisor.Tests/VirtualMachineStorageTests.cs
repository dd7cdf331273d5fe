namespace Emu.Hypervisor.Tests;

/// <summary>How the machine wires the IDE controller: ports, PCI, BAR4 moves, reset, disk lifetime.</summary>
public sealed class VirtualMachineStorageTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-vm-disk-");

    public void Dispose() => _dir.Dispose();

    private string TempDisk(int sectors = 64)
    {
        string path = _dir[$"{Guid.NewGuid():N}.img"];
        File.WriteAllBytes(path, new byte[sectors * 512]);
        return path;
    }

    private static uint ConfigRead(VirtualMachine vm, int register)
    {
        vm.Ports.Write(0xCF8, 4, 0x8000_0900u | (uint)register); // 00:01.1
        return vm.Ports.Read(0xCFC, 4);
    }

    private static void ConfigWrite(VirtualMachine vm, int register, uint value)
    {
        vm.Ports.Write(0xCF8, 4, 0x8000_0900u | (uint)register);
        vm.Ports.Write(0xCFC, 4, value);
    }

    /// <summary>Where the port bus decodes the bus-master window now (null: nowhere).</summary>
    private static uint? BusMasterPort(VirtualMachine vm) =>
        vm.Ports.Ranges.FirstOrDefault(r => r.Device == vm.Ata.BusMaster)?.Start;

    [Fact]
    public void The_ide_function_is_found_through_pci_with_the_bus_master_at_C000()
    {
        using var vm = new VirtualMachine(new MachineConfig { HardDisks = [new DiskSpec(TempDisk())] });

        ConfigRead(vm, 0).Should().Be(0x7010_8086u);
        ConfigRead(vm, 0x20).Should().Be(0xC001u);
        BusMasterPort(vm).Should().Be(0xC000u);
        vm.Ports.Read(0x1F7, 1).Should().Be(0x50u, "the master is ready");
        vm.Ports.Read(0x177, 1).Should().Be(0u, "an empty channel reads 0");
        vm.Ports.Read(0xC002, 1).Should().Be(0x20u, "drive 0 DMA capable");
    }

    [Fact]
    public void Moving_BAR4_moves_the_ports_and_turning_io_off_unmaps_them()
    {
        using var vm = new VirtualMachine(new MachineConfig { HardDisks = [new DiskSpec(TempDisk())] });

        ConfigWrite(vm, 0x20, 0xD041);
        BusMasterPort(vm).Should().Be(0xD040u);
        vm.Ports.Read(0xC002, 1).Should().Be(0xFFu, "nothing answers at the old base");
        vm.Ports.Read(0xD042, 1).Should().Be(0x20u);
        vm.Ports.Write(0xD044, 4, 0x1234);
        vm.Ata.Primary.BusMaster.PrdTableAddress.Should().Be(0x1234u);

        // Command bit 0 off: the window stops decoding; on again: back at the BAR.
        ConfigWrite(vm, 0x04, 0x0004);
        BusMasterPort(vm).Should().BeNull();
        vm.Ports.Read(0xD042, 1).Should().Be(0xFFu);
        ConfigWrite(vm, 0x04, 0x0005);
        BusMasterPort(vm).Should().Be(0xD040u);
    }

    [Fact]
    public void A_BAR4_over_another_device_is_not_decoded_and_the_other_device_keeps_its_ports()
    {
        using var vm = new VirtualMachine(new MachineConfig());
        ConfigWrite(vm, 0x20, 0x03F1); // 3F0-3FF: the ATA control port 3F6 and COM1 at 3F8
        BusMasterPort(vm).Should().BeNull();
        vm.Ports.Claim(0x3F8, 1)!.Device.Name.Should().Be("uart-com1");
        ConfigWrite(vm, 0x20, 0xC001);
        BusMasterPort(vm).Should().Be(0xC000u);
    }

    [Fact]
    public void Port_CF9_resets_the_machine_and_ends_the_run()
    {
        string program = _dir["cf9.bin"];
        // mov dx, 0CF9h / mov al, 06h / out dx, al / hlt
        File.WriteAllBytes(program, [0xBA, 0xF9, 0x0C, 0xB0, 0x06, 0xEE, 0xF4]);
        using var vm = new VirtualMachine(new MachineConfig());
        FlatBinaryLoader.Load(vm.Memory, File.ReadAllBytes(program), SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);

        var outcome = vm.Run(new RunLimits { MaxInstructions = 100 });

        outcome.End.Should().Be(RunEnd.Shutdown);
        vm.Cpu.Stop.Should().Be(new CpuStop(StopCause.GuestReset, Source: "port CF9h"));
        outcome.Message.Should().Be("guest shut down: the guest reset the machine (port CF9h)");
    }

    [Fact]
    public void Disks_are_closed_with_the_machine()
    {
        string path = TempDisk();
        var vm = new VirtualMachine(new MachineConfig { HardDisks = [new DiskSpec(path)] });
        var open = () => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        vm.Disk(0).Should().NotBeNull();
        vm.Disk(1).Should().BeNull();
        vm.Dispose();
        using var again = open(); // would fail while the machine still held the image for writing
        vm.Disk(0)!.Read(0, new byte[512]).Should().Be(BlockStatus.IoError);
    }

    [Fact]
    public void Four_disks_land_on_both_channels_in_order()
    {
        var disks = Enumerable.Range(0, 4).Select(i => new DiskSpec(TempDisk(64 + i))).ToList();
        using var vm = new VirtualMachine(new MachineConfig { HardDisks = disks });
        vm.Ata.Primary.Master!.SectorCount.Should().Be(64);
        vm.Ata.Primary.Slave!.SectorCount.Should().Be(65);
        vm.Ata.Secondary.Master!.SectorCount.Should().Be(66);
        vm.Ata.Secondary.Slave!.SectorCount.Should().Be(67);
    }

    [Fact]
    public void Bad_disk_lists_fail_cleanly_and_close_what_was_opened()
    {
        string good = TempDisk();
        var missing = () => new VirtualMachine(new MachineConfig { HardDisks = [new DiskSpec(good), new DiskSpec("/nonexistent/x.img")] });
        missing.Should().Throw<DiskImageException>().Which.Fault.Should().Be(DiskImageFault.Missing);
        using (new FileStream(good, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // the first image was closed again
        }

        var twice = () => new VirtualMachine(new MachineConfig { HardDisks = [new DiskSpec(good), new DiskSpec(good)] });
        twice.Should().Throw<DiskImageException>().Which.Should().BeEquivalentTo(new { Fault = DiskImageFault.AttachedTwice, Path = good });

        var five = () => new VirtualMachine(new MachineConfig { HardDisks = [.. Enumerable.Repeat(new DiskSpec(good), 5)] });
        five.Should().Throw<ArgumentException>().WithMessage("*at most 4*");
    }
}
