using System.Diagnostics;
using System.Security.Cryptography;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Io.Bus;
using Emu.Memory;

namespace Emu.Tooling.Bench;

/// <summary>
/// The bench's marker port (<see cref="Port"/>), present only in bench machines. The guest writes 1 when
/// the measured phase starts, 2 when it ends, 3 to have the bench hash the data region named in its result
/// block (physical address at 550h, length at 554h), 4 when it submits a request and 5 when every request it
/// submitted has completed. The device snapshots exits, instructions, virtual and host time and the process's
/// CPU time at the phase markers, takes each request's latency (guest-virtual and host) from 4 to 5, stops the
/// host clock while hashing, and leaves its own exits out of the counts. Guest nonsense (markers out of order, a
/// region outside RAM, more requests than it keeps latencies for) is counted, never thrown.
/// </summary>
internal sealed class BenchMarkerDevice(VirtualMachine vm) : IIoDevice
{
    public const ushort Port = 0x0EB0;
    public const uint ResultBlock = 0x540;
    public const string DeviceName = "bench-marker";

    /// <summary>Most request latencies kept (the arrays are made once, so a mark allocates nothing).</summary>
    public const int MaxRequests = 1 << 16;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long[] _submittedTicks = new long[MaxRequests], _submittedVirtualNs = new long[MaxRequests];
    private readonly long[] _latencyTicks = new long[MaxRequests], _latencyVirtualNs = new long[MaxRequests];
    private int _submitted, _completed;
    private long _lastStart;

    public string Name => DeviceName;

    public Snapshot? Start { get; private set; }
    public Snapshot? End { get; private set; }
    /// <summary>Host stopwatch ticks inside the phase, hashing excluded.</summary>
    public long HostTicks { get; private set; }
    /// <summary>Marker exits inside the phase (the start marker and each checksum request).</summary>
    public long ExitsInPhase { get; private set; }
    public long HashedBytes { get; private set; }
    public long BadRequests { get; private set; }

    /// <summary>Completed requests' latencies from submission (4) to completion (5), in submission order: host
    /// nanoseconds and guest-virtual nanoseconds.</summary>
    public (double[] HostNs, long[] VirtualNs) Latencies()
    {
        double perTick = 1e9 / Stopwatch.Frequency;
        return (_latencyTicks[.._completed].Select(t => t * perTick).ToArray(), _latencyVirtualNs[.._completed]);
    }

    public string Checksum => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public void Read(uint offset, Span<byte> data) => data.Clear();

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
        long now = Stopwatch.GetTimestamp();
        switch (data[0])
        {
            case 1 when Start is null:
                Start = Take();
                ExitsInPhase = 1; // this exit is counted after the snapshot
                _lastStart = Stopwatch.GetTimestamp();
                break;
            case 2 when Start is not null && End is null:
                HostTicks += now - _lastStart;
                End = Take();
                break;
            case 3 when Start is not null && End is null:
                HostTicks += now - _lastStart;
                ExitsInPhase++;
                HashRegion();
                _lastStart = Stopwatch.GetTimestamp();
                break;
            case 4 when Start is not null && End is null && _submitted < MaxRequests:
                ExitsInPhase++;
                _submittedTicks[_submitted] = now;
                _submittedVirtualNs[_submitted++] = vm.NowNs;
                break;
            case 5 when Start is not null && End is null:
                ExitsInPhase++;
                for (; _completed < _submitted; _completed++)
                {
                    _latencyTicks[_completed] = now - _submittedTicks[_completed];
                    _latencyVirtualNs[_completed] = vm.NowNs - _submittedVirtualNs[_completed];
                }
                break;
            default:
                BadRequests++;
                break;
        }
    }

    /// <summary>The VM exits of the phase (IO, MMIO, hypercall) by reason and in all, the markers' own left out.</summary>
    public (long Total, Dictionary<string, long> ByReason) PhaseExits()
    {
        var byReason = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        if (Start is null || End is null)
            return (0, byReason);
        foreach (var reason in Enum.GetValues<ExitReason>())
        {
            if (reason is not (ExitReason.Io or ExitReason.Mmio or ExitReason.Hypercall))
                continue;
            long n = End.ExitsByReason[(int)reason] - Start.ExitsByReason[(int)reason];
            if (reason == ExitReason.Io)
                n -= ExitsInPhase;
            byReason[reason.ToString().ToLowerInvariant()] = n;
            total += n;
        }
        return (total, byReason);
    }

    private void HashRegion()
    {
        var bytes = vm.Memory.Bytes;
        uint address = ReadUInt32(bytes, ResultBlock + 0x10);
        uint length = ReadUInt32(bytes, ResultBlock + 0x14);
        if (length == 0 || address >= GuestMemory.OneMiB || length > GuestMemory.OneMiB - address)
        {
            BadRequests++;
            return;
        }
        _hash.AppendData(bytes.Slice((int)address, (int)length));
        HashedBytes += length;
    }

    private static uint ReadUInt32(Span<byte> bytes, uint at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)at..]);

    private Snapshot Take()
    {
        var byReason = new long[Enum.GetValues<ExitReason>().Length];
        for (int r = 0; r < byReason.Length; r++)
            byReason[r] = vm.Stats.CountOf((ExitReason)r);
        var byDevice = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var range in vm.Ports.Ranges.Concat(vm.Mmio.Ranges))
        {
            if (range.Device.Name == DeviceName)
                continue;
            byDevice.TryGetValue(range.Device.Name, out long n);
            byDevice[range.Device.Name] = n + range.Reads + range.Writes;
        }
        return new Snapshot(vm.Cpu.Retired, vm.NowNs, byReason, byDevice, vm.VirtioTransport?.Counters.Notifications ?? 0,
            vm.Cpu.InterruptsDelivered, Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime);
    }

    /// <summary>The machine at a phase marker; <see cref="HostTimestamp"/> is the host's monotonic clock (the same
    /// in every process), <see cref="ProcessCpu"/> this process's user + system CPU time so far (getrusage).</summary>
    public sealed record Snapshot(long Retired, long VirtualNs, long[] ExitsByReason, Dictionary<string, long> ExitsByDevice,
        long Notifications, long Interrupts, long HostTimestamp, TimeSpan ProcessCpu);
}
