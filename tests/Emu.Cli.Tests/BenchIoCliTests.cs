using System.Text.Json;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

public class BenchIoCliTests
{
    [Fact]
    public void Bench_io_json_prints_one_parsable_object_per_path_and_workload()
    {
        using var chart = TempFile.Named(".svg");
        var r = EmuProcess.Run("bench", "io", "--json", "--runs", "1", "--workloads", "fread100,write1m", "--chart", chart.Path);

        r.ExitCode.Should().Be(0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(16, "six bare paths for each workload, and the OS on its four drivers for fread100");
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            foreach (var field in new[] { "path", "workload", "requests", "bytes", "exits", "exitsByReason", "guestInstructions", "hostNsPerMiB", "checksum" })
                o.TryGetProperty(field, out _).Should().BeTrue($"{field} in {line}");
            o.GetProperty("exitsByReason").ValueKind.Should().Be(JsonValueKind.Object);
        }
        File.ReadAllText(chart.Path).Should().StartWith("<svg").And.Contain("virtio-poll");
    }

    [Fact]
    public void Bench_io_runs_the_seeds_fread_through_the_OS_on_each_driver_beside_the_bare_paths()
    {
        var r = EmuProcess.Run("bench", "io", "--json", "--runs", "1", "--workloads", "fread100", "--paths", "ata-pio,ata-dma,virtio");

        r.ExitCode.Should().Be(0, r.Stderr);
        var rows = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(o => o.GetProperty("path").GetString()!);
        rows.Keys.Should().BeEquivalentTo(["ata-pio", "ata-dma", "virtio", "os-ata-pio", "os-ata-dma", "os-virtio", "os-bios"]);
        long Exits(string path) => rows[path].GetProperty("exits").GetInt64();
        long Instructions(string path) => rows[path].GetProperty("guestInstructions").GetInt64();
        // FREAD's buffer holds the bare paths' 100 sectors
        rows.Values.Select(o => o.GetProperty("checksum").GetString()).Distinct().Should().ContainSingle();
        foreach (var bare in new[] { "ata-pio", "ata-dma", "virtio" })
        {
            // the OS adds the system call, the filesystem (open, FAT and directory sectors) and its driver around the same device work
            Exits("os-" + bare).Should().BeGreaterThan(Exits(bare));
            Instructions("os-" + bare).Should().BeGreaterThan(Instructions(bare) + 1000);
        }
        Exits("os-ata-pio").Should().BeLessThan(Exits("ata-pio") + 1000, "PIO's data words are the bill on both");
        Exits("os-virtio").Should().BeLessThan(30);
        Exits("os-bios").Should().BeGreaterThan(25_600, "the BIOS drives the disk by PIO");
    }

    [Fact]
    public void Bench_io_prints_the_table_with_agreeing_checksums()
    {
        var r = EmuProcess.Run("bench", "io", "--runs", "1", "--workloads", "fread100", "--paths", "ata-pio,virtio");

        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stdout.Should().Contain("workload fread100").And.Contain("ata-pio").And.Contain("checksums agree across paths");
    }

    [Theory]
    [InlineData("--paths", "ata-nope", "--paths: unknown name 'ata-nope'")]
    [InlineData("--workloads", "seq2m", "--workloads: unknown name 'seq2m'")]
    [InlineData("--runs", "0", "--runs must be between 1 and 1000")]
    [InlineData("--image", "/no/such.img", "--image '/no/such.img' does not exist")]
    public void Bad_bench_options_are_one_line_errors(string option, string value, string message)
    {
        var r = EmuProcess.Run("bench", "io", option, value);
        r.ExitCode.Should().NotBe(0);
        r.Stderr.Should().StartWith($"emu: {message}");
        r.Stderr.TrimEnd('\n').Should().NotContain("\n");
    }

    [Fact]
    public void An_unknown_benchmark_is_a_usage_error()
    {
        var r = EmuProcess.Run("bench", "disk");
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Be("emu: unknown benchmark 'disk' (use cpu, io or io-guest)\n");
    }

    [Fact]
    public void Run_with_a_virtio_disk_runs_the_hostile_ring_guest()
    {
        using var image = TempFile.With(new byte[64 * 1024]);
        var r = EmuProcess.Run("run", "guest-images/tests/virtio/hostile-ring.bin", "--virtio-disk", image.Path);
        r.ExitCode.Should().Be(33, r.Stderr);
        r.Stdout.Should().EndWith("hostile-ring: reset and read ok\n");
    }

    [Theory]
    [InlineData("--virtio-disk", "/no/such.img", "emu: disk image '/no/such.img' does not exist\n")]
    [InlineData("--virtio-disk", "x.img,fast", "emu: --virtio-disk: disk spec 'x.img,fast': unknown option 'fast' (known: readonly, cache=writeback|writethrough)\n")]
    [InlineData("--virtio-notify", "sometimes", "emu: --virtio-notify 'sometimes' is not exit or poll\n")]
    [InlineData("--virtio-poll-interval", "0", "emu: --virtio-poll-interval must be between 1 and 100000000\n")]
    public void Bad_virtio_options_are_one_line_errors(string option, string value, string message)
    {
        var r = EmuProcess.Run("run", "guest-images/demos/hello.bin", option, value);
        r.ExitCode.Should().NotBe(0);
        r.Stderr.Should().Be(message);
    }
}
