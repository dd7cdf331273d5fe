namespace Emu.Cli.Tests;

/// <summary>The shell and the system around it: volumes in MBR partitions of each FAT type, the
/// kernel on an 8086, commands, DOS error messages and the exit port.</summary>
public class GuestOsShellTests
{
    [Theory]
    [InlineData((byte)0x01, 12)]
    [InlineData((byte)0x04, 16)]
    [InlineData((byte)0x06, 16)]
    [InlineData((byte)0x0E, 16)]
    public void A_volume_in_an_mbr_partition_of_each_fat_type_is_found(byte type, int fatBits)
    {
        using var disk = FatDisk.Create(mib: 6, fatBits: fatBits, partitionType: type, sectorsPerCluster: fatBits == 12 ? 4 : 1);
        var data = GuestOs.RandomBytes(type, 9_999);
        disk.Write("FILE.BIN", data);

        var run = GuestOs.Boot(["--disk", disk.Path + ",readonly"], [@"sum C:\FILE.BIN", "exit 0"]);

        run.Transcript.Should().Contain($"driver ata-pio, C: FAT{fatBits}");
        run.Lines().Should().Contain(GuestOs.SumLine(data, @"C:\FILE.BIN"), run.Transcript);
    }

    [Fact]
    public void On_an_8086_the_kernel_boots_on_the_ata_disk_and_only_virtio_needs_a_386()
    {
        using var disk = FatDisk.Create(mib: 4, fatBits: 12);
        var data = GuestOs.RandomBytes(31, 20_000);
        disk.Write("FILE.BIN", data);

        var run = GuestOs.Boot(["--cpu", "8086", "--disk", disk.Path],
            ["driver virtio", "driver", @"copy C:\FILE.BIN C:\COPY.BIN", @"sum C:\COPY.BIN", "fread c:\\file.bin", "exit 0"]);

        run.ExitCode.Should().Be(1, run.Transcript);
        run.Transcript.Should().Contain("driver ata-pio, C: FAT12", "the ATA drivers are 8086 code; the boot takes the ATA disk by PIO");
        run.Lines().Where(l => l == "that driver needs a 386").Should().HaveCount(1, "virtio alone needs 32-bit MMIO");
        run.Transcript.Should().Contain("A:\\>driver\ndriver ata-pio, C: FAT12\n", "a refused driver leaves the current one");
        run.Lines().Should().Contain(GuestOs.SumLine(data, @"C:\COPY.BIN"));
        run.Lines().Should().Contain(GuestOs.SumLine(data, @"c:\file.bin"));
        disk.Read("COPY.BIN").Should().Equal(data);
    }

    [Fact]
    public void Commands_are_case_insensitive_and_errors_are_dos_messages()
    {
        using var disk = FatDisk.Create(mib: 4, fatBits: 12);
        disk.MakeDirectory("DOCS");
        disk.Write("DOCS/README.TXT", "Hello from C:\r\n"u8.ToArray());
        disk.Write("DOCS/BIG.DAT", new byte[1234]);

        var run = GuestOs.Boot(["--disk", disk.Path],
        [
            "DIR c:\\docs",
            "Type C:\\Docs\\Readme.txt",
            "type c:\\docs\\missing.txt",
            "type c:\\nodir\\x.txt",
            "dir b:",
            "frobnicate",
            "c:",
            "driver",
            "dir",
            "exit 5",
        ]);

        run.ExitCode.Should().Be(11, "exit 5 writes 5 to port F4h: status (5 << 1) | 1");
        run.Transcript.Should().Contain("README.TXT    15\nBIG.DAT       1234\n4 file(s)");
        run.Transcript.Should().Contain("Hello from C:\n");
        run.Lines().Should().ContainInOrder("File not found", "Path not found", "Invalid drive", "Bad command or file name");
        run.Transcript.Should().Contain("C:\\>driver\ndriver ata-pio, C: FAT12\n");
        run.Transcript.Should().Contain("DOCS          <DIR>\n");
    }

    [Fact]
    public void Drivers_switch_in_one_run_and_a_driver_without_a_device_leaves_the_current_one()
    {
        using var disk = FatDisk.Create(mib: 4, fatBits: 12);
        var data = GuestOs.RandomBytes(41, 5_000);
        disk.Write("FILE.BIN", data);
        string sum = GuestOs.SumLine(data, @"C:\FILE.BIN");

        var run = GuestOs.Boot(["--disk", disk.Path + ",readonly"],
            ["driver virtio", @"sum C:\FILE.BIN", "driver ata-dma", @"sum C:\FILE.BIN", "driver bios", @"sum C:\FILE.BIN", "exit 0"]);

        run.ExitCode.Should().Be(1, run.Transcript);
        run.Transcript.Should().Contain("driver virtio\nno device for that driver\ndriver ata-pio, C: FAT12\n");
        run.Transcript.Should().Contain("driver ata-dma, C: FAT12").And.Contain("driver bios, C: FAT12");
        run.Lines().Where(l => l == sum).Should().HaveCount(3);
    }
}
