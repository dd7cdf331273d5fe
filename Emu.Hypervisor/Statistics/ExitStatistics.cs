using System.Diagnostics;
using System.Runtime.CompilerServices;
using Emu.Cpu;
using Emu.Cpu.Compilation;

namespace Emu.Hypervisor.Statistics;

/// <summary>
/// Counts VM exits by reason, by device (a device owns one or more port or MMIO ranges) and the
/// accesses nobody claimed, with host time per reason and device when timing is on. Counting is a
/// few array increments, cheap enough to stay on in benchmarks.
/// </summary>
public sealed class ExitStatistics
{
    private readonly long[] _countByReason = new long[ExitReasons.Count];
    private readonly long[] _ticksByReason = new long[ExitReasons.Count];
    // Per-device exit counts are read from the buses' ranges when a run ends; host time per device
    // is added up per exit only while timing is on.
    // Classes, not tuples: CoreLib's precompiled Dictionary and List code serves them, where a tuple of longs
    // was JIT-compiled at every start (docs/PERFORMANCE.md, start-up).
    private readonly Dictionary<string, DeviceExits> _devices = new(StringComparer.Ordinal);

    private sealed class DeviceExits
    {
        public long Count;
        public long Ticks;
    }

    private DeviceExits Device(string name)
    {
        if (!_devices.TryGetValue(name, out var exits))
            _devices[name] = exits = new DeviceExits();
        return exits;
    }

    /// <summary>When true, handlers are timed with the host clock (costs two clock reads per exit).</summary>
    public bool TimingEnabled { get; set; }

    public long UnclaimedPortAccesses { get; set; }
    public long UnclaimedMmioAccesses { get; set; }
    public long InstructionsRetired { get; set; }
    public long InterruptsDelivered { get; set; }

    /// <summary>The block engine's share of the run (Processor.Compiled).</summary>
    public CompiledCode CompiledCode { get; set; }

    /// <summary>BIOS services the firmware does not implement, by "INT nn/AH=xx".</summary>
    public Dictionary<string, long> UnsupportedServices { get; } = new(StringComparer.Ordinal);

    /// <summary>Counts a call of a BIOS service the firmware does not implement.</summary>
    public void CountUnsupported(byte interrupt, byte function)
    {
        string key = $"INT {interrupt:X2}/AH={function:X2}";
        UnsupportedServices[key] = UnsupportedServices.GetValueOrDefault(key) + 1;
    }

    public long TotalExits => _countByReason.Sum();

    public long CountOf(ExitReason reason) => _countByReason[(int)reason];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Count(ExitReason reason) => _countByReason[(int)reason]++;

    public void AddTime(ExitReason reason, string? device, long hostTicks)
    {
        _ticksByReason[(int)reason] += hostTicks;
        if (device is not null)
        {
            Device(device).Ticks += hostTicks;
        }
    }

    /// <summary>The exits one port or MMIO range took. Its label is made only when the table is printed: every run
    /// ends by recording its ranges, and formatting them all was about 2 ms of a hello start.</summary>
    public sealed record RangeExits(bool Mmio, uint Start, ulong End, string Device, long Count)
    {
        public string Range => Mmio ? $"mmio {Start:X5}-{End - 1:X5}" : $"port {Start:X4}-{End - 1:X4}";
    }

    private IReadOnlyList<RangeExits> _ranges = [];

    /// <summary>Records the exits every bus range took, and so each device's, summed over its ranges (when a run ends).</summary>
    public void SetRangeExits(IReadOnlyList<RangeExits> ranges)
    {
        _ranges = ranges;
        foreach (var exits in _devices.Values)
            exits.Count = 0;
        foreach (var r in ranges)
            Device(r.Device).Count += r.Count;
    }

    public long CountOfDevice(string device) => _devices.TryGetValue(device, out var d) ? d.Count : 0;

    /// <summary>Set when a device was in a device process: what the hop cost (printed last, one line).</summary>
    public DeviceProcessTotals? DeviceProcess { get; set; }

    /// <summary>The assigned VF's requests, IOMMU translations and faults, posted interrupts; null without one.</summary>
    public Assigned.AssignedTotals? Assigned { get; set; }

    /// <summary>The table --stats prints.</summary>
    public void WriteTable(TextWriter w)
    {
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        string Time(long ticks) => TimingEnabled ? $"{ticks * nsPerTick / 1000.0,12:F1}" : $"{"-",12}";
        string PerExit(long ticks, long count) => TimingEnabled && count > 0 ? $"{ticks * nsPerTick / count,10:F0}" : $"{"-",10}";

        w.WriteLine($"instructions retired  {InstructionsRetired,14:N0}");
        var (compiled, entries, blocks, blockInstructions, handlers) = CompiledCode;
        if (blocks > 0)
        {
            // What the block engine made of the run: how much ran compiled, and for how long each time it was entered.
            w.WriteLine($"  in compiled blocks  {compiled,14:N0}  {100.0 * compiled / Math.Max(1, InstructionsRetired):F1} % of them, {(double)compiled / Math.Max(1, entries):F1} per block entry");
            w.WriteLine($"blocks compiled       {blocks,14:N0}  {blockInstructions:N0} instructions, {handlers:N0} of them handler calls");
        }
        w.WriteLine($"interrupts delivered  {InterruptsDelivered,14:N0}");
        w.WriteLine($"VM exits              {TotalExits,14:N0}");
        w.WriteLine();
        w.WriteLine($"{"exit reason",-22}{"count",14}{"host us",12}{"ns/exit",10}");
        for (int r = 0; r < ExitReasons.Count; r++)
        {
            if (_countByReason[r] == 0)
                continue;
            w.WriteLine($"{((ExitReason)r).ToString().ToLowerInvariant(),-22}{_countByReason[r],14:N0}{Time(_ticksByReason[r])}{PerExit(_ticksByReason[r], _countByReason[r])}");
        }
        var devices = _devices.Where(kv => kv.Value.Count > 0).OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (devices.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"{"device",-22}{"exits",14}{"host us",12}{"ns/exit",10}");
            foreach (var (name, exits) in devices)
                w.WriteLine($"{name,-22}{exits.Count,14:N0}{Time(exits.Ticks)}{PerExit(exits.Ticks, exits.Count)}");
        }
        var ranges = _ranges.Where(r => r.Count > 0).OrderBy(r => r.Range, StringComparer.Ordinal).ToList();
        if (ranges.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"{"port/address range",-22}{"exits",14}  device");
            foreach (var r in ranges)
                w.WriteLine($"{r.Range,-22}{r.Count,14:N0}  {r.Device}");
        }
        w.WriteLine();
        w.WriteLine($"unclaimed port accesses {UnclaimedPortAccesses,12:N0}");
        w.WriteLine($"unclaimed MMIO accesses {UnclaimedMmioAccesses,12:N0}");
        if (CountOf(ExitReason.Io) > 0)
            w.WriteLine("(every iteration of a REP INS/OUTS is one io exit)");
        foreach (var (service, count) in UnsupportedServices.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            w.WriteLine($"unsupported BIOS call {service,-12} {count,8:N0}");
        if (!TimingEnabled)
            w.WriteLine("(host time per exit is measured with --trace-host-time)");
        if (DeviceProcess is { } d)
            w.WriteLine(d.ToString());
        if (Assigned is { } a)
            w.WriteLine(a.ToString());
    }
}

/// <summary>The requests forwarded to a device process and their host time (always measured: two clock reads
/// beside a socket round trip of microseconds).</summary>
public sealed record DeviceProcessTotals(string Socket, int ProcessId, long Requests, long RoundTripTicks, long DeviceNs)
{
    public double MeanRoundTripUs => Requests == 0 ? 0 : RoundTripTicks * (1e6 / Stopwatch.Frequency) / Requests;
    public double MeanDeviceUs => Requests == 0 ? 0 : DeviceNs / 1000.0 / Requests;

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"device process {Socket} (pid {ProcessId}): {Requests:N0} requests forwarded, mean round trip {MeanRoundTripUs:F1} us of which device work {MeanDeviceUs:F1} us");
}
