using System.Buffers.Binary;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Loader;

namespace Emu.Tooling.Bench;

/// <summary>What one guest of the multi-guest bench did in its measured phase (`emu bench io-guest` prints it as
/// one JSON line). Host times are the host's monotonic clock in nanoseconds, comparable across processes.</summary>
public sealed record MultiGuestReport
{
    public required string Model { get; init; }
    /// <summary>The image the device server serves this guest's disk from, and where in it the disk starts.</summary>
    public required string Image { get; init; }
    public long DiskOffset { get; init; }
    public long DiskBytes { get; init; }
    /// <summary>The guest's isa-debug-exit status: 33 when every request succeeded, 35 when some failed.</summary>
    public int GuestExitCode { get; init; }
    public long Requests { get; init; }
    public long Bytes { get; init; }
    public long FailedRequests { get; init; }
    /// <summary>Bytes the guest read into its buffers and summed: its disk, once.</summary>
    public long SummedBytes { get; init; }
    public long Exits { get; init; }
    public required Dictionary<string, long> ExitsByReason { get; init; }
    public long GuestInstructions { get; init; }
    public long VirtualTimeNs { get; init; }
    public long HostStartNs { get; init; }
    public long HostEndNs { get; init; }
    /// <summary>This process's user + system CPU time during the phase (getrusage).</summary>
    public double CpuSeconds { get; init; }
    public required double[] LatencyHostNs { get; init; }
    public required long[] LatencyVirtualNs { get; init; }
    /// <summary>The guest's own sum of what it read (guest-images/bench/multi/multi.inc): A and B as 16 hex digits.</summary>
    public required string Checksum { get; init; }
}

/// <summary>
/// One guest of the multi-guest bench: a machine whose disk device is in the device server at a socket, running
/// the model's guest program (guest-images/bench/multi/) with the bench's marker port, which reads its disk and sums
/// it. The parameter block at 500h and the result block at 540h are documented in multi.inc.
/// </summary>
public static class MultiGuest
{
    public const uint ParameterBlock = 0x500;
    public const uint ResultBlock = 0x540;
    /// <summary>Bytes per request, and the most a guest reads (its buffers: 20000h-9FFFFh).</summary>
    public const int RequestBytes = 4096, MaxDiskBytes = 512 * 1024;
    public const long MaxInstructions = 20_000_000_000;

    /// <summary>Connects to the device server at <paramref name="socket"/>, calls <paramref name="ready"/> (the
    /// machine is built and its device connected; the bench starts every guest's phase together), runs the guest
    /// over <paramref name="bytes"/> of its disk (null: all of it) <paramref name="passes"/> times.</summary>
    public static MultiGuestReport Run(MultiGuestModel model, string socket, long? bytes, int passes, Action ready)
    {
        var console = new MemoryStream();
        var config = new MachineConfig { Cpu = CpuModel.I386, DebugConsoleOutput = console, DeviceProcess = socket };
        VirtualMachine vm;
        try
        {
            vm = new VirtualMachine(config);
        }
        catch (Emu.Hypervisor.Remote.DeviceProcessException e)
        {
            throw new IoBenchException(e.Message);
        }
        using (vm)
        {
            var welcome = vm.DeviceProcess!.Welcome;
            if (welcome.Kind != model.Kind || welcome.Disks.Count != 1)
                throw new IoBenchException($"the device server at '{socket}' serves {welcome.Kind} with {welcome.Disks.Count} disks; the {model.Name} model needs {model.Kind} with one");
            var disk = welcome.Disks[0];
            long read = bytes ?? disk.CapacityBytes;
            if (read % RequestBytes != 0 || read is <= 0 or > MaxDiskBytes)
                throw new IoBenchException($"a guest reads 4 KiB to 512 KiB of its disk in whole 4 KiB requests, not {read:N0} bytes (its disk is {disk.CapacityBytes:N0})");
            var marker = new BenchMarkerDevice(vm);
            vm.Devices.Add(Emu.Io.Devices.DeviceDeclaration.AtPorts(marker, BenchMarkerDevice.Port, 1));
            FlatBinaryLoader.Load(vm.Memory, MultiGuestModels.Program(model), SegmentedAddress.BootSector);
            var p = vm.Memory.Bytes.Slice((int)ParameterBlock, 12);
            "EMUM"u8.CopyTo(p);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], (uint)(read / 512));
            BinaryPrimitives.WriteUInt32LittleEndian(p[8..], (uint)passes);
            BareStart.Prepare(vm, SegmentedAddress.BootSector);

            ready();
            var outcome = vm.Run(new RunLimits { MaxInstructions = MaxInstructions });

            var result = vm.Memory.Bytes[(int)ResultBlock..];
            uint status = BinaryPrimitives.ReadUInt32LittleEndian(result[0x0C..]);
            string printed = System.Text.Encoding.Latin1.GetString(console.ToArray()).Trim();
            if (outcome.End != RunEnd.DebugExit || status != 0 || marker.Start is not { } start || marker.End is not { } end || marker.BadRequests != 0)
                throw new IoBenchException($"the {model.Name} guest failed ({outcome.Message}; result status {status}; it printed '{printed}')");
            var (exits, byReason) = marker.PhaseExits();
            var (hostNs, virtualNs) = marker.Latencies();
            double ns = 1e9 / System.Diagnostics.Stopwatch.Frequency;
            return new MultiGuestReport
            {
                Model = model.Name,
                Image = disk.Path,
                DiskOffset = disk.Offset,
                DiskBytes = disk.CapacityBytes,
                GuestExitCode = outcome.ExitCode,
                Requests = BinaryPrimitives.ReadUInt32LittleEndian(result),
                Bytes = BinaryPrimitives.ReadUInt32LittleEndian(result[4..]),
                FailedRequests = BinaryPrimitives.ReadUInt32LittleEndian(result[8..]),
                SummedBytes = read,
                Exits = exits,
                ExitsByReason = byReason,
                GuestInstructions = end.Retired - start.Retired,
                VirtualTimeNs = end.VirtualNs - start.VirtualNs,
                HostStartNs = (long)(start.HostTimestamp * ns),
                HostEndNs = (long)(end.HostTimestamp * ns),
                CpuSeconds = (end.ProcessCpu - start.ProcessCpu).TotalSeconds,
                LatencyHostNs = hostNs,
                LatencyVirtualNs = virtualNs,
                Checksum = $"{BinaryPrimitives.ReadUInt32LittleEndian(result[0x10..]):x8}{BinaryPrimitives.ReadUInt32LittleEndian(result[0x14..]):x8}",
            };
        }
    }

    /// <summary>The host's own sum of <paramref name="data"/>, the same the guest computes (multi.inc): A = the sum of
    /// its little-endian dwords, B = the sum of A after each, both mod 2^32, as 16 hex digits.</summary>
    public static string Checksum(ReadOnlySpan<byte> data)
    {
        uint a = 0, b = 0;
        for (int i = 0; i + 4 <= data.Length; i += 4)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            b += a;
        }
        return $"{a:x8}{b:x8}";
    }
}
