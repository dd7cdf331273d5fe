using Emu.Tests.Shared;
using System.Text.Json;
using Emu.Tooling.Bench;

namespace Emu.Cli.Tests;

/// <summary>
/// Several guests sharing one `emu device-server` (issue 18), as real processes: the multi-guest bench's short run
/// (every guest's sum right, the exits each model promises), a guest killed mid-run and a guest reading past its
/// window, neither of which disturbs the other guest, and the options that do not go together.
/// </summary>
public sealed class MultiGuestCliTests : IDisposable
{
    private const int Window = 64 * 1024;
    private readonly TempFolder _dir = new("emu-multi-");
    private string Socket => _dir["dev.sock"];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Two_guests_per_model_each_read_their_own_window_with_the_exits_the_model_promises()
    {
        string chart = _dir["multi.svg"];
        var r = EmuProcess.Run("bench", "io", "--guests", "2", "--models", "emulated,paravirtual,assigned", "--window-kib", "64", "--passes", "1",
            "--json", "--chart", chart);

        r.ExitCode.Should().Be(0, r.Stderr);
        var rows = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        rows.Select(o => (o.GetProperty("model").GetString(), o.GetProperty("guests").GetInt32()))
            .Should().Equal(("emulated", 1), ("emulated", 2), ("paravirtual", 1), ("paravirtual", 2), ("assigned", 1), ("assigned", 2));
        foreach (var o in rows)
        {
            int guests = o.GetProperty("guests").GetInt32();
            foreach (var field in new[] { "workload", "mibPerSecond", "exitsPerRequest", "p50Us", "p99Us", "hostCpuSeconds", "fairness" })
                o.TryGetProperty(field, out _).Should().BeTrue($"{field} in {o}");
            // guest i read window i of the image the bench generated: the host's own sum of those bytes
            var image = IoBench.GenerateImage(guests * (long)Window, new MultiGuestOptions { Models = [], GuestCounts = [], StartServer = null!, RunGuests = null! }.Seed);
            var expected = Enumerable.Range(0, guests).Select(i => MultiGuest.Checksum(image.AsSpan(i * Window, Window))).ToArray();
            o.GetProperty("checksums").EnumerateArray().Select(c => c.GetString()).Should().Equal(expected);
            o.GetProperty("requests").GetInt64().Should().Be(guests * Window / 4096);
            o.GetProperty("hostCpuSeconds").GetDouble().Should().BeGreaterThan(0);
            o.GetProperty("fairness").GetDouble().Should().BeInRange(0.01, 1);
            double exits = o.GetProperty("exitsPerRequest").GetDouble();
            if (o.GetProperty("model").GetString() == "paravirtual")
                exits.Should().BeLessThanOrEqualTo(1.0 / 16, "one kick for a batch of 16 requests, the used ring polled");
            else if (o.GetProperty("model").GetString() == "assigned")
                exits.Should().Be(0, "a doorbell is a store the device sees and a completion a posted interrupt: no exit");
            else
                exits.Should().BeInRange(10, 20, "every ATA register access of a DMA request is an exit forwarded to the server");
        }
        File.ReadAllText(chart).Should().StartWith("<svg").And.Contain("paravirtual");
    }

    [Fact]
    public async Task A_guest_killed_mid_run_does_not_disturb_the_other_and_its_slot_serves_the_next()
    {
        string image = Image(2);
        using var server = StartServer("--device", "ata", "--guests", "2", "--disk", image);
        using var doomed = Guest("emulated", passes: 255); // minutes of work: still running when killed
        doomed.WaitForLine(l => l == "ready", "ready");
        using var survivor = Guest("emulated");
        survivor.WaitForLine(l => l == "ready", "ready");
        Thread.Sleep(200);
        doomed.Process.Kill(); // SIGKILL, in the middle of its requests

        await ShouldEnd(survivor, 33);
        CheckReport(survivor, image, Window);
        server.Process.HasExited.Should().BeFalse("one guest's death ends its session only");

        using var next = Guest("emulated");
        await ShouldEnd(next, 33);
        CheckReport(next, image, Window);
    }

    [Fact]
    public async Task A_request_past_a_guests_window_is_that_guests_error_only()
    {
        string image = Image(2);
        byte[] before = File.ReadAllBytes(image);
        using var server = StartServer("--device", "virtio-blk", "--guests", "2", "--disk", image);
        using var overreaching = Guest("paravirtual", 1, "--read-kib", "68"); // its disk is 64 KiB: the 17th request lies past it
        using var neighbour = Guest("paravirtual");

        await ShouldEnd(overreaching, 35); // the guest saw a failed request
        var bad = Report(overreaching);
        bad.FailedRequests.Should().Be(1);
        bad.Requests.Should().Be(17);
        await ShouldEnd(neighbour, 33);
        CheckReport(neighbour, image, Window);
        File.ReadAllBytes(image).Should().Equal(before);
    }

    [Fact]
    public void Options_that_do_not_go_together_are_one_line()
    {
        string a = Image(1), b = Image(1);
        EmuProcess.Run("device-server", "--socket", Socket, "--guests", "3", "--disk", a, "--disk", b)
            .ShouldBeOneLineError(2, "with --guests 3 give one --disk (split into 3 windows) or 3 (one image per guest), not 2");
        EmuProcess.Run("device-server", "--socket", Socket, "--guests", "65", "--disk", a).ShouldBeOneLineError(2, "--guests must be between 1 and 64");
        EmuProcess.Run("device-server", "--socket", Socket, "--guests", "2", "--once", "--disk", a).ShouldBeOneLineError(2, "--once");
        EmuProcess.Run("bench", "io", "--guests", "2", "--models", "emulated,bogus").ShouldBeOneLineError(2, "unknown name 'bogus'");
        EmuProcess.Run("bench", "io", "--guests", "0").ShouldBeOneLineError(2, "--guests: '0'");
        EmuProcess.Run("bench", "io", "--guests", "2", "--paths", "virtio").ShouldBeOneLineError(2, "drop --paths");
        EmuProcess.Run("bench", "io", "--guests", "2", "--window-kib", "6").ShouldBeOneLineError(2, "--window-kib");
        EmuProcess.Run("bench", "io-guest", "--models", "emulated").ShouldBeOneLineError(2, "--socket");
    }

    [Fact]
    public void The_help_text_names_every_model() =>
        MultiGuestModels.Names.Should().Be(string.Join(", ", MultiGuestModels.All.Select(m => m.Name)));

    /// <summary>An image of <paramref name="windows"/> windows of distinct pseudo-random bytes.</summary>
    private string Image(int windows)
    {
        string path = _dir[$"disk{Guid.NewGuid():N}.img"];
        File.WriteAllBytes(path, IoBench.GenerateImage(windows * (long)Window, (uint)Environment.TickCount));
        return path;
    }

    private RunningEmu StartServer(params string[] args)
    {
        var server = new RunningEmu(["device-server", "--socket", Socket, .. args]);
        server.WaitForLine(l => l.Contains("listening on"), "its ready line");
        return server;
    }

    private RunningEmu Guest(string model, int passes = 1, params string[] args) =>
        new(["bench", "io-guest", "--models", model, "--socket", Socket, "--passes", passes.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args]);

    /// <summary>The guest's exit status: 33 when every request succeeded, 35 when one failed (isa-debug-exit).</summary>
    private static async Task ShouldEnd(RunningEmu guest, int status)
    {
        int exit = guest.WaitForExit();
        exit.Should().Be(status, await guest.Stderr);
    }

    private static MultiGuestReport Report(RunningEmu guest) =>
        MultiGuestOutput.ParseReport(guest.Lines.Last()) ?? throw new Xunit.Sdk.XunitException($"no report in {string.Join(" | ", guest.Lines)}");

    /// <summary>The guest read its whole window, every request succeeded, and its sum is the host's sum of those bytes.</summary>
    private static void CheckReport(RunningEmu guest, string image, int window)
    {
        var report = Report(guest);
        report.FailedRequests.Should().Be(0);
        report.DiskBytes.Should().Be(window);
        report.DiskOffset.Should().BeOneOf(0, window);
        report.Checksum.Should().Be(MultiGuest.Checksum(File.ReadAllBytes(image).AsSpan((int)report.DiskOffset, window)));
    }
}
