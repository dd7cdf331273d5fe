namespace Emu.Cli.Tests;

/// <summary>The data disks the read tests share: made once by mkfs.fat and mtools, attached read-only.</summary>
public sealed class GuestOsReadDisks : IDisposable
{
    /// <summary>Per disk: the files (DOS path -> bytes) and the file FREAD.COM reads.</summary>
    internal sealed record Disk(FatDisk Fat, Dictionary<string, byte[]> Files, string FreadPath);

    internal Dictionary<string, Disk> Disks { get; } = [];

    public GuestOsReadDisks()
    {
        // FAT16 on the whole disk, 2 KiB clusters: files from 0 bytes to 1 MiB, subdirectories two deep,
        // a fragmented file and a directory of several clusters
        var fat16 = FatDisk.Create(mib: 16, fatBits: 16, sectorsPerCluster: 4);
        var files16 = new Dictionary<string, byte[]>
        {
            [@"EMPTY.BIN"] = [],
            [@"DATA\ONE.BIN"] = GuestOs.RandomBytes(1, 1),
            [@"DATA\ODD.BIN"] = GuestOs.RandomBytes(2, 511),
            [@"DATA\SECTOR.BIN"] = GuestOs.RandomBytes(3, 512),
            [@"DATA\SUB\NEXT.BIN"] = GuestOs.RandomBytes(4, 513),
            [@"DATA\SUB\MID.BIN"] = GuestOs.RandomBytes(5, 70_001),
            [@"BIG.BIN"] = GuestOs.RandomBytes(6, 1024 * 1024 + 77),
        };
        fat16.MakeDirectory("DATA");
        fat16.MakeDirectory("DATA/SUB");
        foreach (var (path, data) in files16)
            fat16.Write(path.Replace('\\', '/'), data);
        fat16.MakeDirectory("MANY");
        fat16.MakeHoles("MANY", count: 100, clusterBytes: 2048);
        files16[@"MANY\FRAG.BIN"] = GuestOs.RandomBytes(7, 150_003);
        fat16.Write("MANY/FRAG.BIN", files16[@"MANY\FRAG.BIN"]);
        Disks["fat16"] = new Disk(fat16, files16, "BIG.BIN");

        // FAT12 in an MBR partition of type 01h, 2 KiB clusters
        var fat12 = FatDisk.Create(mib: 8, fatBits: 12, partitionType: 0x01, sectorsPerCluster: 4);
        var files12 = new Dictionary<string, byte[]>
        {
            [@"Z.BIN"] = [],
            [@"SUB\A.BIN"] = GuestOs.RandomBytes(11, 4097),
            [@"SUB\DEEP\B.BIN"] = GuestOs.RandomBytes(12, 300_000),
        };
        fat12.MakeDirectory("SUB");
        fat12.MakeDirectory("SUB/DEEP");
        foreach (var (path, data) in files12)
            fat12.Write(path.Replace('\\', '/'), data);
        fat12.MakeHoles("SUB", count: 80, clusterBytes: 2048);
        files12[@"SUB\FRAG.BIN"] = GuestOs.RandomBytes(13, 100_000);
        fat12.Write("SUB/FRAG.BIN", files12[@"SUB\FRAG.BIN"]);
        Disks["fat12-mbr"] = new Disk(fat12, files12, @"SUB\DEEP\B.BIN");
    }

    public void Dispose()
    {
        foreach (var d in Disks.Values)
            d.Fat.Dispose();
    }
}

/// <summary>The OS reads what mkfs.fat and mtools wrote, through every driver: `sum` gives the host's
/// CRC-32 and size for every file, FREAD.COM (one 100-sector read) the CRC of the first 51,200 bytes.</summary>
public class GuestOsReadTests(GuestOsReadDisks disks) : IClassFixture<GuestOsReadDisks>
{
    public static TheoryData<string, string, string> DriversAndDisks() => GuestOs.DriversWith("fat16", "fat12-mbr");

    [Fact]
    public void The_test_disks_have_fragmented_files()
    {
        disks.Disks["fat16"].Fat.ClusterRuns("MANY/FRAG.BIN").Should().BeGreaterThan(10);
        disks.Disks["fat12-mbr"].Fat.ClusterRuns("SUB/FRAG.BIN").Should().BeGreaterThan(10);
    }

    [Theory]
    [MemberData(nameof(DriversAndDisks))]
    public void Sum_and_fread_agree_with_the_host(string driver, string cpu, string diskName)
    {
        var disk = disks.Disks[diskName];
        var commands = disk.Files.Keys.Select(p => $@"sum C:\{p}").Append($@"fread C:\{disk.FreadPath}").Append("exit 0");

        var run = GuestOs.WithDriver(driver, disk.Fat.Path + ",readonly", commands, "--cpu", cpu);

        run.Stderr.Should().Contain("guest exited: it wrote 0 to isa-debug-exit");
        run.ExitCode.Should().Be(1, run.Transcript);
        run.Transcript.Should().Contain($"driver {driver}, C: {(diskName == "fat16" ? "FAT16" : "FAT12")}");
        var lines = run.Lines();
        foreach (var (path, data) in disk.Files)
            lines.Should().Contain(GuestOs.SumLine(data, $@"C:\{path}"), run.Transcript);
        var first = disk.Files[disk.FreadPath].AsSpan(0, 100 * 512).ToArray();
        lines.Should().Contain(GuestOs.SumLine(first, $@"C:\{disk.FreadPath}"), "FREAD prints the CRC-32 of dest, the bytes read and the path");
    }
}
