using System.Diagnostics;
using Emu.Cpu;
using Emu.Hypervisor.Loader;
using Emu.Hypervisor;
using Emu.Memory;

namespace Emu.Tooling.Bench;

/// <summary>Result of one benchmark: per-run figures and their medians.</summary>
public sealed record CpuBenchmarkResult(
    string Name,
    long Instructions,
    long PortWrites,
    IReadOnlyList<double> Seconds,
    IReadOnlyList<double> CpuSeconds)
{
    public double MedianSeconds => Median.Of(Seconds);
    /// <summary>Median process CPU time of a run: less disturbed than wall time on a busy machine.</summary>
    public double MedianCpuSeconds => Median.Of(CpuSeconds);
    public double CpuMips => Instructions / MedianCpuSeconds / 1e6;
    /// <summary>From the fastest run: other load on the machine only ever adds time.</summary>
    public double BestMips => Instructions / Seconds.Min() / 1e6;
    /// <summary>Millions of retired instructions per second, from the median run.</summary>
    public double Mips => Instructions / MedianSeconds / 1e6;
    /// <summary>Wall time per OUT exit (the whole run divided by the OUT count), or NaN without OUTs.</summary>
    public double NsPerPortWrite => PortWrites == 0 ? double.NaN : MedianSeconds * 1e9 / PortWrites;
}

/// <summary>
/// Runs a flat guest image from 0000:7C00 to HLT several times and times only the run: creating the
/// machine and loading the image are start-up and stay outside the measurement. With more than one
/// run the first is a warm-up (JIT tiering, first decode of every instruction) and is not counted; a
/// single run is a quick look and has none.
/// On the whole machine (the default) every OUT is a real VM exit through the VMM with statistics
/// counting and tracing off; <c>bare</c> runs the CPU alone with an exit handler that only counts,
/// which isolates the interpreter core.
/// </summary>
public static class CpuBenchmark
{
    private const string ResourcePrefix = "bench-cpu/";

    /// <summary>The shipped CPU benchmark guests (guest-images/bench/*.bin), embedded in this build.</summary>
    public static readonly string[] Guests = [.. typeof(CpuBenchmark).Assembly.GetManifestResourceNames()
        .Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal) && r.EndsWith(".bin", StringComparison.Ordinal))
        .Select(r => r[ResourcePrefix.Length..^".bin".Length])
        .Order(StringComparer.Ordinal)];

    public static byte[] LoadGuest(string name) =>
        EmbeddedGuest.Load($"{ResourcePrefix}{name}.bin")
            ?? throw new ArgumentException($"no CPU benchmark guest named '{name}' (there are: {string.Join(", ", Guests)})");

    /// <summary>The first run index: -1 (one untimed warm-up run) unless only one run was asked for.</summary>
    public static int WarmUpRuns(int runs) => runs > 1 ? -1 : 0;

    public static CpuBenchmarkResult Measure(string name, byte[] image, int runs, bool bare = false,
        long maxInstructions = long.MaxValue, CpuModel model = CpuModel.I386)
    {
        var seconds = new List<double>(runs);
        var cpuSeconds = new List<double>(runs);
        using var process = Process.GetCurrentProcess();
        long instructions = 0, outs = 0;
        for (int run = WarmUpRuns(runs); run < runs; run++)
        {
            Func<(Processor Cpu, Func<long> Outs, string? Failure)> body = bare
                ? () => RunBare(image, model, maxInstructions, Timed)
                : () => RunMachine(image, model, maxInstructions, Timed);
            double elapsed = 0, cpuElapsed = 0;
            void Timed(Action action)
            {
                process.Refresh();
                TimeSpan cpuStart = process.TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                action();
                elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                process.Refresh();
                cpuElapsed = (process.TotalProcessorTime - cpuStart).TotalSeconds;
            }
            var (cpu, countOuts, failure) = body();
            if (failure is not null)
                throw new InvalidOperationException($"{name}: {failure}");
            if (run < 0)
                continue;
            seconds.Add(elapsed);
            cpuSeconds.Add(cpuElapsed);
            instructions = cpu.Retired;
            outs = countOuts();
        }
        return new CpuBenchmarkResult(name, instructions, outs, seconds, cpuSeconds);
    }

    private static (Processor, Func<long>, string?) RunBare(byte[] image, CpuModel model, long max, Action<Action> timed)
    {
        var memory = new GuestMemory();
        memory.Load(SegmentedAddress.BootSector.Physical, image);
        var counter = new OutCounter();
        var cpu = new Processor(memory, model) { CS = 0, IP = SegmentedAddress.BootSector.Offset, ExitHandler = counter };
        StopReason reason = StopReason.InstructionLimit;
        timed(() => reason = cpu.Run(max));
        bool ok = reason == StopReason.Halt || (reason == StopReason.InstructionLimit && max != long.MaxValue);
        return (cpu, () => counter.Writes, ok ? null : $"the guest stopped with {reason} ({cpu.StopMessage}) at {cpu.CS:X4}:{cpu.IP:X4}, not HLT");
    }

    private static (Processor, Func<long>, string?) RunMachine(byte[] image, CpuModel model, long max, Action<Action> timed)
    {
        var vm = new VirtualMachine(new MachineConfig { Cpu = model });
        FlatBinaryLoader.Load(vm.Memory, image, SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        RunOutcome outcome = null!;
        timed(() => outcome = vm.Run(new RunLimits { MaxInstructions = max == long.MaxValue ? null : max }));
        vm.Dispose();
        bool ok = outcome.End == RunEnd.Halted || (outcome.End == RunEnd.InstructionLimit && max != long.MaxValue);
        long outs = vm.Stats.CountOf(ExitReason.Io);
        return (vm.Cpu, () => outs, ok ? null : $"the guest ended with {outcome.End}: {outcome.Message}");
    }

    /// <summary>The cheapest possible hypervisor: counts port writes, answers reads with all ones.</summary>
    private sealed class OutCounter : ExitHandler
    {
        public long Writes;

        public override void HandleExit(Processor cpu, ref VmExit exit)
        {
            if (exit.Reason == ExitReason.Io && exit.IsWrite)
                Writes++;
        }
    }
}
