using System.Buffers.Binary;
using System.Security.Cryptography;
using Emu.Cpu;
using Emu.Hypervisor.Loader;
using Emu.Hypervisor;
using Emu.Io.Storage;
using Emu.Io.Virtio;

namespace Emu.Tooling.Bench;

/// <summary>What `emu bench io` is asked to do.</summary>
public sealed record IoBenchOptions
{
    public IReadOnlyList<IoBenchPath> Paths { get; init; } = IoBenchNames.DefaultPaths;
    public IReadOnlyList<IoBenchWorkload> Workloads { get; init; } = IoBenchNames.AllWorkloads;
    /// <summary>Runs per (path, workload); host time is their median.</summary>
    public int Runs { get; init; } = 5;
    /// <summary>The disk image to read (copied for each run, so writes never touch it); null = a generated one.</summary>
    public string? Image { get; init; }
    /// <summary>Size of the generated image.</summary>
    public long GeneratedImageBytes { get; init; } = 4L * 1024 * 1024;
    public uint Seed { get; init; } = 0x2026_1124;
    public int PollInterval { get; init; } = VirtioMmioTransport.DefaultPollInterval;
    public long MaxInstructions { get; init; } = 2_000_000_000;
    /// <summary>One unmeasured run before the measured ones (JIT, host page cache).</summary>
    public bool WarmUp { get; init; } = true;
    /// <summary>Starts the device process of a *-process path serving an image on a socket, ready to accept; disposing
    /// it stops the process. Null: a <see cref="Emu.Io.Remote.DeviceServer"/> on a thread of this process (same
    /// protocol and shared memory, no process start; the CLI passes one that runs `emu device-server`).</summary>
    public Func<DeviceProcessRequest, IDisposable>? DeviceProcessLauncher { get; init; }
    /// <summary>With fread100: also FREAD.COM through this OS on each of its drivers (<see cref="OsFreadBench"/>); null: not.</summary>
    public OsBenchImages? Os { get; init; }
}

/// <summary>What a device process for one bench run must serve.</summary>
public sealed record DeviceProcessRequest(string Socket, string Image, Emu.Io.Remote.RemoteDeviceKind Kind);

/// <summary>One (path, workload) measured over several runs.</summary>
public sealed record IoBenchResult
{
    public required string Path { get; init; }
    public required string Workload { get; init; }
    public long Requests { get; init; }
    public long Bytes { get; init; }
    public long FailedRequests { get; init; }
    public long Exits { get; init; }
    public required Dictionary<string, long> ExitsByReason { get; init; }
    public required Dictionary<string, long> ExitsByDevice { get; init; }
    public double ExitsPerRequest { get; init; }
    public double ExitsPerMiB { get; init; }
    public long GuestInstructions { get; init; }
    public long VirtualTimeNs { get; init; }
    public long InterruptsDelivered { get; init; }
    /// <summary>QueueNotify writes (virtio paths).</summary>
    public long Notifications { get; init; }
    public double HostNsPerMiB { get; init; }
    /// <summary>Host time of the measured phase divided by its exits: what one exit costs on this path, all in.</summary>
    public double HostNsPerExit => Exits == 0 ? 0 : HostNsPerMiB * Bytes / (1024.0 * 1024) / Exits;
    public required double[] HostNsPerMiBRuns { get; init; }
    public int Runs { get; init; }
    /// <summary>SHA-256 of the data read (in request order), or for a write workload of the image after the run.</summary>
    public required string Checksum { get; init; }
    /// <summary>SHA-256 of the whole disk image after the run.</summary>
    public required string ImageChecksum { get; init; }
    /// <summary>Exits and instructions were the same in every run.</summary>
    public bool Deterministic { get; init; }
}

/// <summary>A bench run that could not be measured (the guest failed, a file could not be made).</summary>
public sealed class IoBenchException(string message) : Exception(message);

/// <summary>
/// Runs the bench guests of guest-images/bench/io/ (embedded in this assembly) on fresh machines over
/// copies of one disk image and measures the IO phase each guest marks (see <see cref="BenchMarkerDevice"/>).
/// The parameter block at 500h tells the guest its workload; the layout is documented in bench-io.inc.
/// </summary>
public sealed class IoBench(IoBenchOptions options)
{
    public const uint ParameterBlock = 0x500;
    public const uint WriteBaseSector = 4096;
    private const double MiB = 1024 * 1024;

    public IoBenchOptions Options { get; } = options;

    /// <summary>Makes (or copies) the source image into a fresh temporary folder, runs everything, cleans up.</summary>
    public List<IoBenchResult> Run(Action<IoBenchResult>? progress = null)
    {
        if (Options.Runs < 1)
            throw new IoBenchException("runs must be at least 1");
        using var scratch = new ScratchFolder("emu-bench-io-");
        string source = scratch["source.img"];
        PrepareSource(source);
        var results = new List<IoBenchResult>();
        foreach (var workload in Options.Workloads)
        {
            foreach (var path in Options.Paths)
            {
                var r = Measure(path, workload, source, scratch);
                results.Add(r);
                progress?.Invoke(r);
            }
            if (workload == IoBenchWorkload.Fread100 && Options.Os is { } os)
            {
                foreach (var r in new OsFreadBench(Options, os).Measure(source, scratch))
                {
                    results.Add(r);
                    progress?.Invoke(r);
                }
            }
        }
        return results;
    }

    private void PrepareSource(string destination)
    {
        if (Options.Image is { } image)
        {
            try
            {
                File.Copy(image, destination);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new IoBenchException($"cannot copy the image '{image}': {e.Message}");
            }
            long need = (WriteBaseSector + 2048) * 512L;
            if (new FileInfo(destination).Length < need)
                throw new IoBenchException($"the image '{image}' is smaller than the {need / (1024 * 1024)} MiB the workloads use");
            return;
        }
        File.WriteAllBytes(destination, GenerateImage(Options.GeneratedImageBytes, Options.Seed));
    }

    /// <summary>Deterministic pseudo-random disk contents (xorshift32), so every byte is worth checking.</summary>
    public static byte[] GenerateImage(long bytes, uint seed)
    {
        var data = new byte[bytes];
        uint x = seed | 1;
        for (int i = 0; i + 4 <= data.Length; i += 4)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(i), x);
        }
        return data;
    }

    private IoBenchResult Measure(IoBenchPath path, IoBenchWorkload workload, string source, ScratchFolder scratch)
    {
        // One unmeasured run first: the JIT compiles the device and CPU paths this guest takes, and the
        // image's pages come into the host's cache, so the measured runs compare the IO paths, not warm-up.
        // A device-process path keeps one device process for all its runs, as a device process outlives its VMMs:
        // the warm-up run warms its JIT too, and each run gets the source bytes rewritten into the same file.
        string? served = path.IsProcess() ? scratch[$"served-{path.Name()}-{workload.Name()}.img"] : null;
        if (served is not null)
            File.Copy(source, served, overwrite: true);
        using var deviceProcess = served is null ? null
            : StartDeviceProcess(new DeviceProcessRequest(SocketOf(served), served, path.IsVirtio() ? Emu.Io.Remote.RemoteDeviceKind.VirtioBlock : Emu.Io.Remote.RemoteDeviceKind.Ata));
        if (Options.WarmUp)
            RunOnce(path, workload, source, served ?? scratch[$"warmup-{path.Name()}-{workload.Name()}.img"]);
        var runs = new List<RunData>();
        for (int i = 0; i < Options.Runs; i++)
            runs.Add(RunOnce(path, workload, source, served ?? scratch[$"run-{path.Name()}-{workload.Name()}-{i}.img"]));
        var first = runs[0];
        double mib = first.Bytes / MiB;
        var perMiB = runs.Select(r => r.HostNs / mib).ToArray();
        double median = Median.Of(perMiB);
        return new IoBenchResult
        {
            Path = path.Name(),
            Workload = workload.Name(),
            Requests = first.Requests,
            Bytes = first.Bytes,
            FailedRequests = first.Failed,
            Exits = first.Exits,
            ExitsByReason = first.ExitsByReason,
            ExitsByDevice = first.ExitsByDevice,
            ExitsPerRequest = first.Requests == 0 ? 0 : (double)first.Exits / first.Requests,
            ExitsPerMiB = mib == 0 ? 0 : first.Exits / mib,
            GuestInstructions = first.Instructions,
            VirtualTimeNs = first.VirtualNs,
            InterruptsDelivered = first.Interrupts,
            Notifications = first.Notifications,
            HostNsPerMiB = median,
            HostNsPerMiBRuns = perMiB,
            Runs = runs.Count,
            Checksum = workload == IoBenchWorkload.Write1m ? first.ImageChecksum : first.DataChecksum,
            ImageChecksum = first.ImageChecksum,
            Deterministic = runs.All(r => r.Exits == first.Exits && r.Instructions == first.Instructions && r.DataChecksum == first.DataChecksum),
        };
    }

    private sealed record RunData(long Requests, long Bytes, long Failed, long Exits, Dictionary<string, long> ExitsByReason,
        Dictionary<string, long> ExitsByDevice, long Instructions, long VirtualNs, long Interrupts, long Notifications, double HostNs,
        string DataChecksum, string ImageChecksum);

    private RunData RunOnce(IoBenchPath path, IoBenchWorkload workload, string source, string image)
    {
        bool remote = path.IsProcess();
        if (remote)
            Rewrite(source, image); // the device process has it open: same file, fresh bytes
        else
            File.Copy(source, image, overwrite: true);
        var console = new MemoryStream();
        BenchMarkerDevice marker;
        RunOutcome outcome;
        RunData data;
        {
            var disk = new DiskSpec(image);
            var config = new MachineConfig
            {
                Cpu = CpuModel.I386,
                DebugConsoleOutput = console,
                HardDisks = path.IsVirtio() || remote ? [] : [disk],
                VirtioDisk = path.IsVirtio() && !remote ? disk : null,
                VirtioNotify = path == IoBenchPath.VirtioPoll ? VirtioNotifyMode.Poll : VirtioNotifyMode.Exit,
                VirtioPollInterval = Options.PollInterval,
                DeviceProcess = remote ? SocketOf(image) : null,
            };
            using var vm = NewMachine(config);
            long sectors = remote ? vm.DeviceProcess!.Welcome.Disks[0].SectorCount
                : (path.IsVirtio() ? vm.VirtioBlock!.Backend : vm.Disk(0)!).SectorCount;
            marker = new BenchMarkerDevice(vm);
            vm.Devices.Add(Emu.Io.Devices.DeviceDeclaration.AtPorts(marker, BenchMarkerDevice.Port, 1));

            FlatBinaryLoader.Load(vm.Memory, LoadProgram(path.Guest()), SegmentedAddress.BootSector);
            WriteParameters(vm.Memory, workload, sectors, Options.Seed);
            BareStart.Prepare(vm, SegmentedAddress.BootSector);
            outcome = vm.Run(new RunLimits { MaxInstructions = Options.MaxInstructions });

            var bytes = vm.Memory.Bytes;
            uint status = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)(BenchMarkerDevice.ResultBlock + 0x0C)..]);
            string printed = System.Text.Encoding.Latin1.GetString(console.ToArray()).Trim();
            if (outcome.End != RunEnd.DebugExit || outcome.ExitCode != 33 || status != 0)
                throw new IoBenchException($"{path.Name()} {workload.Name()}: the guest failed ({outcome.Message}; result status {status}; it printed '{printed}')");
            if (marker.Start is null || marker.End is null || marker.BadRequests != 0)
                throw new IoBenchException($"{path.Name()} {workload.Name()}: the guest's phase markers are incomplete or out of order");

            var start = marker.Start;
            var end = marker.End;
            var (exits, byReason) = marker.PhaseExits();
            var byDevice = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (device, count) in end.ExitsByDevice)
            {
                long n = count - start.ExitsByDevice.GetValueOrDefault(device);
                if (n != 0)
                    byDevice[device] = n;
            }
            uint requests = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)BenchMarkerDevice.ResultBlock..]);
            uint moved = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)(BenchMarkerDevice.ResultBlock + 4)..]);
            uint failed = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)(BenchMarkerDevice.ResultBlock + 8)..]);
            double hostNs = marker.HostTicks * (1e9 / System.Diagnostics.Stopwatch.Frequency);
            data = new RunData(requests, moved, failed, exits, byReason, byDevice, end.Retired - start.Retired, end.VirtualNs - start.VirtualNs,
                end.Interrupts - start.Interrupts, end.Notifications - start.Notifications, hostNs, marker.Checksum, "");
        }
        data = data with { ImageChecksum = HashFile(image) };
        if (!remote)
            File.Delete(image);
        return data;
    }

    private static VirtualMachine NewMachine(MachineConfig config)
    {
        try
        {
            return new VirtualMachine(config);
        }
        catch (Emu.Hypervisor.Remote.DeviceProcessException e)
        {
            throw new IoBenchException(e.Message);
        }
    }

    private static void Rewrite(string source, string image)
    {
        using var from = File.OpenRead(source);
        using var to = new FileStream(image, FileMode.Open, FileAccess.Write);
        from.CopyTo(to);
        to.SetLength(from.Length);
    }

    /// <summary>Where the device process serving <paramref name="image"/> listens.</summary>
    private static string SocketOf(string image) => image + ".sock";

    private IDisposable StartDeviceProcess(DeviceProcessRequest request)
    {
        if (Options.DeviceProcessLauncher is { } launch)
            return launch(request);
        return InThreadDeviceServer.Start(request);
    }

    /// <summary>Writes the guest's parameter block (layout in guest-images/bench/io/bench-io.inc).</summary>
    public static void WriteParameters(Emu.Memory.GuestMemory memory, IoBenchWorkload workload, long sectors, uint seed)
    {
        Span<byte> p = memory.Bytes.Slice((int)ParameterBlock, 0x20);
        p.Clear();
        "EMUB"u8.CopyTo(p);
        p[4] = (byte)workload;
        BinaryPrimitives.WriteUInt32LittleEndian(p[8..], (uint)Math.Min(sectors, uint.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x0C..], seed);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x10..], WriteBaseSector);
    }

    private static string HashFile(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>The bench guest of a path, from the copy embedded at build time.</summary>
    public static byte[] LoadProgram(IoBenchPath path)
    {
        string name = $"bench-io/{path.Name()}.bin";
        return EmbeddedGuest.Load(name) ?? throw new IoBenchException($"the bench guest {name} is not embedded in this build");
    }
}
