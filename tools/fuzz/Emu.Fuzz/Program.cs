using SharpFuzz;

namespace Emu.Fuzz;

/// <summary>
/// emu-fuzz TARGET              run under afl-fuzz (persistent mode, input on stdin/shared memory)
/// emu-fuzz TARGET FILE...      run the target once per file and report (replay a crash or a corpus)
/// TARGET: cpu | ata | virtio. A property violation is an exception, which AFL records as a crash.
/// </summary>
public static class Program
{
    public static unsafe int Main(string[] args)
    {
        // Under tools/fuzz/run.sh the Emu assemblies are instrumented: every branch writes to SharpFuzz's trace
        // map, which exists only once a fuzz loop has set it up. Code that runs before (the cpu target builds its
        // machines up front) or without one (replaying files, hunt) gets a throwaway map instead of a null
        // pointer; the fuzz loop replaces it with AFL's.
        if (SharpFuzz.Common.Trace.SharedMem == null)
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(TraceMapSize);
        if (args.Length >= 3 && args[0] == "seeds")
            return WriteSeeds(args[1], args[2], args.Length > 3 ? args[3] : null);
        if (args.Length >= 4 && args[0] == "hunt")
            return Hunt(args[1], args[2], long.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 1);
        if (args.Length == 0 || Target(args[0]) is not { } target)
        {
            Console.Error.WriteLine("usage: Emu.Fuzz cpu|ata|virtio [FILE...]  |  Emu.Fuzz seeds cpu|ata|virtio DIR [GUEST_IMAGES]");
            return 2;
        }
        if (args.Length == 1)
        {
            // Persistent mode in a child process: many inputs per process (ata and virtio build a fresh machine per
            // input, cpu restores one per configuration), and a hang or a crash that kills the process is reported
            // to AFL instead of ending the run.
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                target(copy.GetBuffer().AsSpan(0, (int)copy.Length));
            });
            return 0;
        }
        int failures = 0;
        foreach (var file in args[1..])
        {
            try
            {
                target(File.ReadAllBytes(file));
                Console.WriteLine($"ok      {file}");
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"FAILED  {file}: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine(e);
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>A starting corpus: the harness's seed programs and a few spliced ones (ata, virtio), or the
    /// flat guest images under GUEST_IMAGES behind a header byte choosing the 386 bare, the 386 with the BIOS
    /// and the 8086 (cpu).</summary>
    private static int WriteSeeds(string target, string dir, string? images)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(1);
        int n = 0;
        void Put(byte[] input) => File.WriteAllBytes(Path.Combine(dir, $"seed-{n++:D3}"), input);
        switch (target)
        {
            case "ata" or "virtio":
                var seeds = target == "ata" ? AtaHarness.Seeds() : VirtioHarness.Seeds();
                foreach (var s in seeds)
                    Put(s);
                for (int i = 0; i < 8; i++)
                    Put(FuzzInputs.Splice(rng, seeds, 256));
                break;
            case "cpu":
                foreach (var file in Directory.EnumerateFiles(images ?? ".", "*.bin", SearchOption.AllDirectories).Order())
                {
                    var code = File.ReadAllBytes(file);
                    if (code.Length is 0 or > 8192 || file.Contains("firmware"))
                        continue;
                    foreach (byte header in new byte[] { 0x03, 0x07, 0x00 })
                        Put([header, .. code]);
                }
                for (int i = 0; i < 4; i++)
                {
                    var code = new byte[512];
                    rng.NextBytes(code);
                    Put([(byte)i, .. code]);
                }
                break;
            default:
                Console.Error.WriteLine($"unknown target '{target}'");
                return 2;
        }
        Console.WriteLine($"{n} seeds in {dir}");
        return 0;
    }

    /// <summary>
    /// A cheap search without AFL (for what AFL cannot keep, such as an input that hangs the whole process in
    /// persistent mode): mutates the files in DIR (byte flips, splices, truncation) COUNT times and runs each.
    /// An exception, or a run longer than 3 s (seen by a watchdog thread, which then ends the process), saves the
    /// input as hunt-crash-N / hunt-hang in the current directory.
    /// </summary>
    private static int Hunt(string targetName, string dir, long count, int seed)
    {
        var target = Target(targetName) ?? throw new ArgumentException(targetName);
        var corpus = Directory.EnumerateFiles(dir).Order().Select(File.ReadAllBytes).Where(b => b.Length > 0).ToArray();
        var rng = new Random(seed);
        byte[] current = [];
        long started = 0, slowest = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var watchdog = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(500);
                long t = Volatile.Read(ref started);
                if (t != 0 && clock.ElapsedMilliseconds - t > 3000)
                {
                    File.WriteAllBytes("hunt-hang", Volatile.Read(ref current));
                    Console.WriteLine("HANG: input saved as hunt-hang");
                    Environment.Exit(4);
                }
            }
        }) { IsBackground = true };
        watchdog.Start();
        int crashes = 0;
        for (long i = 0; i < count; i++)
        {
            var input = (byte[])corpus[rng.Next(corpus.Length)].Clone();
            switch (rng.Next(4))
            {
                case 0:
                    for (int k = rng.Next(1, 16); k > 0 && input.Length > 0; k--)
                        input[rng.Next(input.Length)] = (byte)rng.Next(256);
                    break;
                case 1:
                    var other = corpus[rng.Next(corpus.Length)];
                    int cut = rng.Next(input.Length), from = rng.Next(other.Length);
                    input = [.. input.AsSpan(0, cut), .. other.AsSpan(from)];
                    break;
                case 2:
                    for (int k = rng.Next(1, 64); k > 0 && input.Length > 0; k--)
                        input[rng.Next(input.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                default:
                    if (input.Length > 1)
                        input = input[..rng.Next(1, input.Length)];
                    break;
            }
            Volatile.Write(ref current, input);
            Volatile.Write(ref started, Math.Max(1, clock.ElapsedMilliseconds));
            try
            {
                target(input);
            }
            catch (Exception e)
            {
                string name = $"hunt-crash-{crashes++}";
                File.WriteAllBytes(name, input);
                Console.WriteLine($"CRASH {name}: {e.GetType().Name}: {e.Message}");
            }
            slowest = Math.Max(slowest, clock.ElapsedMilliseconds - started);
            Volatile.Write(ref started, 0);
        }
        Console.WriteLine($"{count} inputs in {clock.ElapsedMilliseconds} ms, slowest {slowest} ms, {crashes} crashes");
        return crashes == 0 ? 0 : 1;
    }

    /// <summary>AFL's coverage map size (MAP_SIZE), which SharpFuzz's branch ids index.</summary>
    private const int TraceMapSize = 1 << 16;

    private delegate void Harness(ReadOnlySpan<byte> input);

    private static Harness? Target(string name)
    {
        switch (name)
        {
            case "cpu":
                var firmware = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "firmware", "bios.bin"));
                var cpu = new CpuHarness(firmware);
                cpu.Prepare(); // every configuration's machine before the first input (see CpuHarness)
                AppDomain.CurrentDomain.ProcessExit += (_, _) => cpu.Dispose();
                return cpu.Run;
            case "ata":
                return new AtaHarness().Run;
            case "virtio":
                return new VirtioHarness().Run;
            default:
                return null;
        }
    }
}
