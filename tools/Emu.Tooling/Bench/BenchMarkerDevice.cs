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
/// block (physical address at 550h, length at 554h). The device snapshots exits, instructions and virtual
/// and host time at the markers, stops the host clock while hashing, and leaves its own exits out of the
/// counts. Guest nonsense (markers out of order, a region outside RAM) is counted, never thrown.
/// </summary>
internal sealed class BenchMarkerDevice(VirtualMachine vm) : IIoDevice
{
    public const ushort Port = 0x0EB0;
    public const uint ResultBlock = 0x540;
    public const string DeviceName = "bench-marker";

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
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
            default:
                BadRequests++;
                break;
        }
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
            vm.Cpu.InterruptsDelivered);
    }

    public sealed record Snapshot(long Retired, long VirtualNs, long[] ExitsByReason, Dictionary<string, long> ExitsByDevice,
        long Notifications, long Interrupts);
}
