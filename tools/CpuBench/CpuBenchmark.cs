using System.Diagnostics;
using Emu.Cpu;
using Emu.Memory;

namespace Emu.Tools.CpuBench;

/// <summary>Result of one benchmark: per-run figures and their medians.</summary>
public sealed record CpuBenchmarkResult(
    string Name,
    long Instructions,
    long PortWrites,
    IReadOnlyList<double> Seconds,
    IReadOnlyList<double> CpuSeconds)
{
    public double MedianSeconds => Median(Seconds);
    /// <summary>Median process CPU time of a run: less disturbed than wall time on a busy machine.</summary>
    public double MedianCpuSeconds => Median(CpuSeconds);
    public double CpuMips => Instructions / MedianCpuSeconds / 1e6;
    /// <summary>From the fastest run: other load on the machine only ever adds time.</summary>
    public double BestMips => Instructions / Seconds.Min() / 1e6;
    /// <summary>Millions of retired instructions per second, from the median run.</summary>
    public double Mips => Instructions / MedianSeconds / 1e6;
    /// <summary>Wall time per OUT exit (the whole run divided by the OUT count), or NaN without OUTs.</summary>
    public double NsPerPortWrite => PortWrites == 0 ? double.NaN : MedianSeconds * 1e9 / PortWrites;

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

/// <summary>
/// Runs a flat guest image at 0000:7C00 on a bare <see cref="Emu.Cpu.Cpu"/> (no devices; an exit handler
/// that only counts OUTs) until HLT, several times, and times only <see cref="Emu.Cpu.Cpu.Run"/>: creating
/// the machine and loading the image are start-up and stay outside the measurement. The first run
/// is a warm-up (JIT tiering, first decode of every instruction) and is not counted.
/// </summary>
public sealed class CpuBenchmark
{
    public const uint LoadAddress = 0x7C00;

    /// <param name="maxInstructions">Stop after this many instructions instead of at HLT (for
    /// profiling a slice under a slow tool such as callgrind).</param>
    public static CpuBenchmarkResult Measure(string name, byte[] image, int runs, long maxInstructions = long.MaxValue,
        CpuModel model = CpuModel.I386)
    {
        var seconds = new List<double>(runs);
        var cpuSeconds = new List<double>(runs);
        using var process = Process.GetCurrentProcess();
        long instructions = 0, outs = 0;
        for (int run = -1; run < runs; run++)
        {
            var memory = new GuestMemory();
            memory.Load(LoadAddress, image);
            var counter = new OutCounter();
            var cpu = new Emu.Cpu.Cpu(memory, model) { CS = 0, IP = (ushort)LoadAddress, ExitHandler = counter };

            process.Refresh();
            TimeSpan cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            StopReason reason = cpu.Run(maxInstructions);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            double cpuElapsed = (process.TotalProcessorTime - cpuStart).TotalSeconds;

            if (reason != StopReason.Halt && !(reason == StopReason.InstructionLimit && maxInstructions != long.MaxValue))
                throw new InvalidOperationException($"{name}: the guest stopped with {reason} ({cpu.StopMessage}) at {cpu.CS:X4}:{cpu.IP:X4}, not HLT");
            if (run < 0)
                continue;
            seconds.Add(elapsed);
            cpuSeconds.Add(cpuElapsed);
            instructions = cpu.Retired;
            outs = counter.Writes;
        }
        return new CpuBenchmarkResult(name, instructions, outs, seconds, cpuSeconds);
    }

    /// <summary>The cheapest possible hypervisor: counts port writes, answers reads with all ones.</summary>
    private sealed class OutCounter : IExitHandler
    {
        public long Writes;

        public void HandleExit(Emu.Cpu.Cpu cpu, ref VmExit exit)
        {
            if (exit.Reason == ExitReason.Io && exit.IsWrite)
                Writes++;
        }
    }
}
