using System.Diagnostics;

namespace Emu.Io.Tests.Storage;

public class RawImageBackendTests
{
    [Fact]
    public void Writes_round_trip_through_the_file_and_reach_it_after_flush()
    {
        using var image = new TempImage(64 * 512);
        var data = Enumerable.Range(0, 1024).Select(i => (byte)(i ^ 0x5A)).ToArray();
        using (var disk = RawImageBackend.Open(image.Path))
        {
            disk.SectorCount.Should().Be(64);
            disk.CapacityBytes.Should().Be(64 * 512);
            disk.ReadOnly.Should().BeFalse();
            disk.Write(10 * 512, data).Should().Be(BlockStatus.Ok);
            disk.Flush().Should().Be(BlockStatus.Ok);

            var back = new byte[1024];
            disk.Read(10 * 512, back).Should().Be(BlockStatus.Ok);
            back.Should().Equal(data);
            // Another reader of the file sees the data once flushed (it is in the page cache already).
            image.Contents().AsSpan(10 * 512, 1024).ToArray().Should().Equal(data);
        }
        image.Contents().Length.Should().Be(64 * 512, "the image is never resized");
    }

    [Fact]
    public void Writethrough_writes_are_on_disk_when_write_returns()
    {
        using var image = new TempImage(8 * 512);
        using var disk = RawImageBackend.Open(image.Path, cache: CacheMode.Writethrough);
        disk.Cache.Should().Be(CacheMode.Writethrough);
        disk.Write(512, new byte[] { 1, 2, 3, 4 }).Should().Be(BlockStatus.Ok);
        image.Contents().AsSpan(512, 4).ToArray().Should().Equal(1, 2, 3, 4);
    }

    [Fact]
    public void A_readonly_disk_rejects_writes_and_leaves_the_file_alone()
    {
        using var image = new TempImage(8 * 512);
        var before = image.Contents();
        using var disk = RawImageBackend.Open(image.Path, readOnly: true);
        disk.ReadOnly.Should().BeTrue();
        disk.Write(0, new byte[512]).Should().Be(BlockStatus.ReadOnly);
        disk.Flush().Should().Be(BlockStatus.Ok);
        image.Contents().Should().Equal(before);
    }

    [Fact]
    public void A_readonly_disk_opens_a_file_without_write_permission()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
            return; // root ignores the permission bits
        using var image = new TempImage(8 * 512);
        File.SetUnixFileMode(image.Path, UnixFileMode.UserRead);
        using (var disk = RawImageBackend.Open(image.Path, readOnly: true))
            disk.SectorCount.Should().Be(8);
        var act = () => RawImageBackend.Open(image.Path);
        act.Should().Throw<DiskImageException>().Which.Fault.Should().Be(DiskImageFault.PermissionDenied);
    }

    [Fact]
    public void Out_of_range_requests_are_an_error_status_not_an_exception()
    {
        using var image = new TempImage(8 * 512);
        using var disk = RawImageBackend.Open(image.Path);
        var buffer = new byte[512];
        disk.Read(8 * 512, buffer).Should().Be(BlockStatus.OutOfRange);
        disk.Read(7 * 512 + 1, buffer).Should().Be(BlockStatus.OutOfRange);
        disk.Read(-1, buffer).Should().Be(BlockStatus.OutOfRange);
        disk.Read(long.MaxValue, buffer).Should().Be(BlockStatus.OutOfRange);
        disk.Write(long.MaxValue - 10, buffer).Should().Be(BlockStatus.OutOfRange);
        disk.Write(8 * 512, buffer).Should().Be(BlockStatus.OutOfRange);
        disk.Read(7 * 512, buffer).Should().Be(BlockStatus.Ok);
        new FileInfo(image.Path).Length.Should().Be(8 * 512);
    }

    [Fact]
    public void The_missing_tail_of_an_odd_sized_image_reads_as_zeros_and_is_never_written()
    {
        using var image = new TempImage(1000); // one full sector and 488 bytes of the second
        using var disk = RawImageBackend.Open(image.Path);
        disk.CapacityBytes.Should().Be(1000);
        disk.SectorCount.Should().Be(2);

        var sector = new byte[512];
        sector.AsSpan().Fill(0xEE);
        disk.Read(512, sector).Should().Be(BlockStatus.Ok);
        var expected = image.Contents().AsSpan(512, 488).ToArray();
        sector.AsSpan(0, 488).ToArray().Should().Equal(expected);
        sector.AsSpan(488).ToArray().Should().OnlyContain(b => b == 0);

        var ones = Enumerable.Repeat((byte)1, 512).ToArray();
        disk.Write(512, ones).Should().Be(BlockStatus.Ok);
        new FileInfo(image.Path).Length.Should().Be(1000, "the partial sector's tail is dropped, not appended");
        image.Contents().AsSpan(512).ToArray().Should().OnlyContain(b => b == 1);
    }

    [Fact]
    public void A_sparse_image_stays_sparse_when_read_and_only_written_blocks_are_allocated()
    {
        if (!OperatingSystem.IsLinux())
            return;
        const long size = 256L * 1024 * 1024;
        using var image = new TempImage(size, sparse: true);
        long before = AllocatedBlocks(image.Path);
        if (before < 0)
            return; // no stat(1) here
        using (var disk = RawImageBackend.Open(image.Path))
        {
            var buffer = new byte[64 * 1024];
            for (long offset = 0; offset < size; offset += 16 * 1024 * 1024)
                disk.Read(offset, buffer).Should().Be(BlockStatus.Ok);
            buffer.Should().OnlyContain(b => b == 0);
            disk.Flush();
            AllocatedBlocks(image.Path).Should().Be(before, "reading holes allocates nothing");

            disk.Write(100L * 1024 * 1024, new byte[4096].Select(_ => (byte)0xAB).ToArray()).Should().Be(BlockStatus.Ok);
            disk.Flush();
        }
        long after = AllocatedBlocks(image.Path);
        (after - before).Should().BeLessThan(2048, "one 4 KiB write allocates a few 512-byte blocks, not the image");
        new FileInfo(image.Path).Length.Should().Be(size);
    }

    [Fact]
    public void Opening_a_missing_file_or_a_directory_says_so_in_one_line()
    {
        using var image = new TempImage(512);
        string missing = Path.Combine(image.Directory, "nope.img");
        var a = () => RawImageBackend.Open(missing);
        a.Should().Throw<DiskImageException>().Which.Should().BeEquivalentTo(new { Fault = DiskImageFault.Missing, Path = missing });
        var b = () => RawImageBackend.Open(image.Directory);
        b.Should().Throw<DiskImageException>().Which.Should().BeEquivalentTo(new { Fault = DiskImageFault.IsDirectory, Path = image.Directory });
        var c = () => RawImageBackend.Open("");
        c.Should().Throw<DiskImageException>().Which.Fault.Should().Be(DiskImageFault.NoPath);
    }

    [Fact]
    public void An_empty_image_is_refused()
    {
        using var image = new TempImage(0);
        var act = () => RawImageBackend.Open(image.Path);
        act.Should().Throw<DiskImageException>().Which.Fault.Should().Be(DiskImageFault.Empty);
    }

    [Fact]
    public void Operations_after_dispose_fail_without_throwing()
    {
        using var image = new TempImage(1024);
        var disk = RawImageBackend.Open(image.Path);
        disk.Dispose();
        disk.Dispose();
        disk.Read(0, new byte[512]).Should().Be(BlockStatus.IoError);
        disk.Write(0, new byte[512]).Should().Be(BlockStatus.IoError);
        disk.Flush().Should().Be(BlockStatus.IoError);
    }

    /// <summary>st_blocks (512-byte units) via stat(1); -1 if it cannot be run.</summary>
    private static long AllocatedBlocks(string path)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("stat", ["-c", "%b", path]) { RedirectStandardOutput = true })!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 && long.TryParse(output.Trim(), out long blocks) ? blocks : -1;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
