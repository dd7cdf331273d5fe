namespace Emu.Cli.Tests;

/// <summary>What the OS writes, mtools reads back byte for byte and fsck.fat -n finds clean, with
/// both FAT copies equal: copy (into free space left in holes, so the new files are fragmented;
/// over an existing longer file; into a full directory, which must grow; a 0-byte file), del, and a
/// DOS program (DCOPY.COM: INT 21h open, seek, create, read and write in 1000-byte pieces).</summary>
public class GuestOsWriteTests
{
    public static TheoryData<string, string, string> DriversAndDisks() => GuestOs.DriversWith("fat12-mbr", "fat16");

    [Theory]
    [MemberData(nameof(DriversAndDisks))]
    public void Copy_del_and_a_dos_program_write_what_mtools_and_fsck_accept(string driver, string cpu, string diskName)
    {
        using var disk = diskName == "fat16"
            ? FatDisk.Create(mib: 16, fatBits: 16, sectorsPerCluster: 4)
            : FatDisk.Create(mib: 4, fatBits: 12, partitionType: 0x01, sectorsPerCluster: 4);
        var a = GuestOs.RandomBytes(21, 4097);
        var b = GuestOs.RandomBytes(22, 120_000);
        var c = GuestOs.RandomBytes(23, 1000);
        var d = GuestOs.RandomBytes(24, 512);
        var e = GuestOs.RandomBytes(25, 33_333);
        disk.MakeDirectory("SRC");
        disk.MakeDirectory("OUT");
        disk.MakeDirectory("FULL");
        disk.Write("SRC/A.BIN", a);
        disk.Write("SRC/B.BIN", b);
        disk.Write("SRC/C.BIN", c);
        disk.Write("SRC/D.BIN", d);
        disk.Write("SRC/E.BIN", e);
        disk.Write("SRC/EMPTY.BIN", []);
        disk.WriteEmptyFiles("FULL", 62);             // with . and ..: the first 2 KiB cluster is full
        disk.MakeHoles("OUT", count: 60, clusterBytes: 2048);

        var run = GuestOs.WithDriver(driver, disk.Path,
        [
            @"copy C:\SRC\B.BIN C:\OUT",
            @"copy C:\SRC\A.BIN C:\A2.BIN",
            @"copy C:\SRC\C.BIN C:\SRC\A.BIN",
            @"copy c:\src\empty.bin c:\full\new.bin",
            @"del C:\SRC\D.BIN",
            @"dcopy C:\SRC\E.BIN C:\OUT\E2.BIN",
            "exit 0",
        ], "--cpu", cpu);

        run.ExitCode.Should().Be(1, run.Transcript);
        run.Transcript.Should().Contain($"driver {driver}, C: FAT{(diskName == "fat16" ? 16 : 12)}", "the driver under test wrote");
        run.Transcript.Should().Contain("dcopy: done").And.NotContain("not found").And.NotContain("error");
        disk.Read("OUT/B.BIN").Should().Equal(b);
        disk.Read("A2.BIN").Should().Equal(a);
        disk.Read("SRC/A.BIN").Should().Equal(c, "a copy over a longer file truncates it");
        disk.Read("FULL/NEW.BIN").Should().BeEmpty();
        disk.Read("OUT/E2.BIN").Should().Equal(e);
        disk.Read("SRC/B.BIN").Should().Equal(b, "the source is untouched");
        FluentActions.Invoking(() => disk.Read("SRC/D.BIN")).Should().Throw<InvalidOperationException>("del removed it");
        disk.ClusterRuns("OUT/B.BIN").Should().BeGreaterThan(1, "the free-cluster search fills the holes");
        disk.Check().Should().NotContain("differ").And.NotContain("Free cluster summary wrong");
        var fats = disk.FatCopies();
        fats.Should().HaveCount(2);
        fats[1].Should().Equal(fats[0], "both FAT copies are kept equal");
    }
}
