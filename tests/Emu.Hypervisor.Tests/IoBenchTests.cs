using Emu.Tooling.Bench;

namespace Emu.Hypervisor.Tests;

/// <summary>`emu bench io`'s measurements: the same bytes on every path, and the exit counts the models predict.
/// Host time is measured by the bench and recorded in docs/IO-PATHS.md, never asserted here.</summary>
public class IoBenchTests
{
    private static readonly Lazy<List<IoBenchResult>> All = new(() =>
        new IoBench(new IoBenchOptions { Runs = 1, WarmUp = false }).Run());

    private static IoBenchResult Result(IoBenchPath path, IoBenchWorkload workload) =>
        All.Value.Single(r => r.Path == path.Name() && r.Workload == workload.Name());

    [Fact]
    public void Every_path_completes_every_workload_without_a_failed_request()
    {
        All.Value.Should().HaveCount(IoBenchNames.DefaultPaths.Length * IoBenchNames.AllWorkloads.Length);
        All.Value.Should().OnlyContain(r => r.FailedRequests == 0);
        All.Value.Should().OnlyContain(r => r.Bytes == (r.Workload == "fread100" ? 51_200 : 1024 * 1024));
    }

    public static TheoryData<IoBenchWorkload> Workloads() => new(IoBenchNames.AllWorkloads);

    [Theory]
    [MemberData(nameof(Workloads))]
    public void All_six_paths_read_or_write_identical_bytes(IoBenchWorkload workload)
    {
        var checksums = IoBenchNames.DefaultPaths.Select(p => Result(p, workload).Checksum).ToList();
        checksums.Distinct().Should().ContainSingle($"every path must move the same bytes for {workload.Name()}");
        IoBenchReport.ChecksumDisagreements(All.Value).Should().BeEmpty();
    }

    [Fact]
    public void After_write1m_the_images_are_byte_identical_across_paths_and_differ_from_the_source()
    {
        var images = IoBenchNames.DefaultPaths.Select(p => Result(p, IoBenchWorkload.Write1m).ImageChecksum).Distinct().ToList();
        images.Should().ContainSingle();
        images[0].Should().NotBe(Result(IoBenchPath.AtaPio, IoBenchWorkload.Seq1m).ImageChecksum, "the writes changed the image");
    }

    [Fact]
    public void On_fread100_the_paravirtual_paths_take_at_least_50x_fewer_exits_than_ata_pio()
    {
        long pio = Result(IoBenchPath.AtaPio, IoBenchWorkload.Fread100).Exits;
        pio.Should().BeGreaterThan(100 * 256, "every data word of 100 sectors is an exit");
        foreach (var path in new[] { IoBenchPath.Virtio, IoBenchPath.VirtioBatched, IoBenchPath.VirtioPoll })
            (Result(path, IoBenchWorkload.Fread100).Exits * 50).Should().BeLessThanOrEqualTo(pio, path.Name());
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Virtio_poll_takes_no_notify_and_no_exit_in_the_io_phase(IoBenchWorkload workload)
    {
        var r = Result(IoBenchPath.VirtioPoll, workload);
        r.Notifications.Should().Be(0);
        r.Exits.Should().Be(0);
    }

    [Fact]
    public void Batching_needs_one_notify_per_sixteen_requests()
    {
        var one = Result(IoBenchPath.Virtio, IoBenchWorkload.Rand4k);
        var batched = Result(IoBenchPath.VirtioBatched, IoBenchWorkload.Rand4k);
        one.Notifications.Should().Be(256);
        batched.Notifications.Should().Be(16);
        batched.InterruptsDelivered.Should().Be(16);
    }

    [Fact]
    public void Dma_moves_the_data_without_an_exit_per_word()
    {
        var dma = Result(IoBenchPath.AtaDma, IoBenchWorkload.Seq1m);
        dma.ExitsPerRequest.Should().BeLessThan(20);
        Result(IoBenchPath.AtaMultiple, IoBenchWorkload.Seq1m).ExitsPerRequest.Should().BeLessThan(Result(IoBenchPath.AtaPio, IoBenchWorkload.Seq1m).ExitsPerRequest);
    }

    [Fact]
    public void Device_process_paths_take_the_same_exits_and_move_the_same_bytes_as_in_process()
    {
        IoBenchPath[] pairs = [IoBenchPath.AtaPio, IoBenchPath.AtaPioProcess, IoBenchPath.AtaDma, IoBenchPath.AtaDmaProcess,
            IoBenchPath.Virtio, IoBenchPath.VirtioProcess];
        // PIO through the socket costs a round trip per word: fread100 only (25,707 exits); DMA and virtio also write1m.
        var results = new IoBench(new IoBenchOptions { Paths = pairs, Workloads = [IoBenchWorkload.Fread100], Runs = 1, WarmUp = false }).Run()
            .Concat(new IoBench(new IoBenchOptions { Paths = pairs[2..], Workloads = [IoBenchWorkload.Write1m], Runs = 1, WarmUp = false }).Run())
            .ToList();
        foreach (var r in results.Where(r => r.Path.EndsWith("-process", StringComparison.Ordinal)))
        {
            var local = results.Single(l => l.Workload == r.Workload && l.Path == r.Path[..^"-process".Length]);
            r.Exits.Should().Be(local.Exits, $"{r.Path} {r.Workload}");
            r.ExitsByDevice.Should().Equal(local.ExitsByDevice, $"{r.Path} {r.Workload}");
            r.GuestInstructions.Should().Be(local.GuestInstructions);
            r.Checksum.Should().Be(local.Checksum, "the same bytes read, or the same image written");
            r.ImageChecksum.Should().Be(local.ImageChecksum);
        }
        results.Should().Contain(r => r.Path == "virtio-process" && r.Workload == "write1m");
    }

    [Fact]
    public void Exits_and_instructions_are_deterministic() =>
        All.Value.Should().OnlyContain(r => r.Deterministic);

    [Fact]
    public void The_json_has_the_documented_fields()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(IoBenchReport.ToJson(Result(IoBenchPath.Virtio, IoBenchWorkload.Fread100)));
        foreach (var field in new[] { "path", "workload", "requests", "bytes", "exits", "exitsByReason", "guestInstructions", "hostNsPerMiB", "checksum" })
            doc.RootElement.TryGetProperty(field, out _).Should().BeTrue(field);
    }

    [Fact]
    public void The_chart_is_an_svg_with_a_bar_per_path_and_panel()
    {
        string svg = IoBenchReport.ToSvg(All.Value);
        var xml = System.Xml.Linq.XDocument.Parse(svg);
        xml.Root!.Name.LocalName.Should().Be("svg");
        xml.Descendants().Count(e => e.Name.LocalName == "rect").Should().Be(1 + 2 * All.Value.Count);
    }
}
