namespace Emu.Tooling.Bench;

/// <summary>What the multi-guest bench is asked to do, and how it starts processes (the CLI gives real ones).</summary>
public sealed record MultiGuestOptions
{
    public required IReadOnlyList<MultiGuestModel> Models { get; init; }
    /// <summary>Numbers of guests sharing one device server, each measured on its own (1 is always among them).</summary>
    public required IReadOnlyList<int> GuestCounts { get; init; }
    /// <summary>Each guest's window of the shared image, which it reads <see cref="Passes"/> times in 4 KiB requests.</summary>
    public long WindowBytes { get; init; } = MultiGuest.MaxDiskBytes;
    public int Passes { get; init; } = 8;
    public uint Seed { get; init; } = 0x2026_1206;
    /// <summary>Starts `emu device-server --device MODEL --guests N --disk IMAGE --socket S`, ready to accept.</summary>
    public required Func<MultiGuestServerRequest, IMultiGuestServer> StartServer { get; init; }
    /// <summary>Starts N guest processes on the socket at once, starts their measured phases together once every one is
    /// connected, waits for all and returns their reports (a guest that failed: an <see cref="IoBenchException"/>).</summary>
    public required Func<MultiGuestRunRequest, IReadOnlyList<MultiGuestReport>> RunGuests { get; init; }
}

public sealed record MultiGuestServerRequest(MultiGuestModel Model, int Guests, string Image, string Socket);

public sealed record MultiGuestRunRequest(MultiGuestModel Model, int Guests, string Socket, int Passes);

/// <summary>A running device server: disposing it stops it.</summary>
public interface IMultiGuestServer : IDisposable
{
    /// <summary>Its user + system CPU seconds so far.</summary>
    double CpuSeconds();
}

/// <summary>One row: a model with N guests sharing its device server.</summary>
public sealed record MultiGuestResult
{
    public required string Model { get; init; }
    public int Guests { get; init; }
    public required string Workload { get; init; }
    public long Requests { get; init; }
    public long Bytes { get; init; }
    public long FailedRequests { get; init; }
    /// <summary>All guests' bytes over the host time from the first phase's start to the last phase's end.</summary>
    public double MibPerSecond { get; init; }
    /// <summary>Per-request latency, host time (µs), over every request of every guest.</summary>
    public double P50Us { get; init; }
    public double P99Us { get; init; }
    /// <summary>Per-request latency in guest-virtual time (µs): what the guest's clock saw.</summary>
    public double P50VirtualUs { get; init; }
    public double P99VirtualUs { get; init; }
    public long Exits { get; init; }
    public double ExitsPerRequest { get; init; }
    /// <summary>User + system CPU seconds: every guest process's in its phase, and the device server's over the row.</summary>
    public double HostCpuSeconds { get; init; }
    public double GuestCpuSeconds { get; init; }
    public double ServerCpuSeconds { get; init; }
    /// <summary>The slowest guest's MiB/s divided by the fastest's (1: all alike).</summary>
    public double Fairness { get; init; }
    /// <summary>Each guest's own sum of its window, in window order.</summary>
    public required string[] Checksums { get; init; }
    /// <summary>The host's sums of the same bytes of the image, in the same order.</summary>
    public required string[] ExpectedChecksums { get; init; }
    public bool ChecksumsMatch => Checksums.SequenceEqual(ExpectedChecksums);
    public long WindowBytes { get; init; }
    public int Passes { get; init; }
}

/// <summary>
/// `emu bench io --guests N --models ...`: for each model and each number of guests, one device server serving a
/// generated image split into one window per guest, and that many guest processes at once, each reading its window
/// (<see cref="MultiGuest"/>); the row's figures come from the guests' reports and the server's CPU time, and every
/// guest's sum is checked against the host's sum of its window.
/// </summary>
public sealed class MultiGuestBench(MultiGuestOptions options)
{
    public const string Workload = "read-window";

    public MultiGuestOptions Options { get; } = options;

    public List<MultiGuestResult> Run(Action<MultiGuestResult>? progress = null)
    {
        using var scratch = new ScratchFolder("emu-bench-multi-");
        var results = new List<MultiGuestResult>();
        foreach (var model in Options.Models)
        {
            foreach (int guests in Options.GuestCounts)
            {
                var r = Measure(model, guests, scratch);
                results.Add(r);
                progress?.Invoke(r);
            }
        }
        return results;
    }

    private MultiGuestResult Measure(MultiGuestModel model, int guests, ScratchFolder scratch)
    {
        string image = scratch[$"{model.Name}-{guests}.img"];
        byte[] bytes = IoBench.GenerateImage(guests * Options.WindowBytes, Options.Seed);
        File.WriteAllBytes(image, bytes);
        string socket = image + ".sock";
        IReadOnlyList<MultiGuestReport> reports;
        double serverCpu;
        using (var server = Options.StartServer(new MultiGuestServerRequest(model, guests, image, socket)))
        {
            double before = server.CpuSeconds();
            reports = Options.RunGuests(new MultiGuestRunRequest(model, guests, socket, Options.Passes));
            serverCpu = server.CpuSeconds() - before;
        }
        File.Delete(image);
        if (reports.Count != guests)
            throw new IoBenchException($"{model.Name} with {guests} guests: {reports.Count} guests reported");
        var ordered = reports.OrderBy(r => r.DiskOffset).ToList();
        if (ordered.Select(r => r.DiskOffset).Distinct().Count() != guests)
            throw new IoBenchException($"{model.Name} with {guests} guests: two guests were given the same window");
        var expected = ordered.Select(r => MultiGuest.Checksum(bytes.AsSpan((int)r.DiskOffset, (int)r.SummedBytes))).ToArray();

        long requests = ordered.Sum(r => r.Requests), moved = ordered.Sum(r => r.Bytes), exits = ordered.Sum(r => r.Exits);
        double span = (ordered.Max(r => r.HostEndNs) - ordered.Min(r => r.HostStartNs)) / 1e9;
        var perGuest = ordered.Select(r => r.Bytes / MiB / Math.Max(1e-9, (r.HostEndNs - r.HostStartNs) / 1e9)).ToList();
        var host = ordered.SelectMany(r => r.LatencyHostNs).Order().ToArray();
        var virt = ordered.SelectMany(r => r.LatencyVirtualNs).Select(v => (double)v).Order().ToArray();
        double guestCpu = ordered.Sum(r => r.CpuSeconds);
        return new MultiGuestResult
        {
            Model = model.Name,
            Guests = guests,
            Workload = Workload,
            Requests = requests,
            Bytes = moved,
            FailedRequests = ordered.Sum(r => r.FailedRequests),
            MibPerSecond = span > 0 ? moved / MiB / span : 0,
            P50Us = Percentile(host, 50) / 1000,
            P99Us = Percentile(host, 99) / 1000,
            P50VirtualUs = Percentile(virt, 50) / 1000,
            P99VirtualUs = Percentile(virt, 99) / 1000,
            Exits = exits,
            ExitsPerRequest = requests == 0 ? 0 : (double)exits / requests,
            GuestCpuSeconds = guestCpu,
            ServerCpuSeconds = serverCpu,
            HostCpuSeconds = guestCpu + serverCpu,
            Fairness = perGuest.Max() > 0 ? perGuest.Min() / perGuest.Max() : 0,
            Checksums = [.. ordered.Select(r => r.Checksum)],
            ExpectedChecksums = expected,
            WindowBytes = Options.WindowBytes,
            Passes = Options.Passes,
        };
    }

    private const double MiB = 1024 * 1024;

    /// <summary>The nearest-rank percentile of sorted values (0 for none).</summary>
    public static double Percentile(double[] sorted, double percent) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
