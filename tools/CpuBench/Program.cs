using Emu.Tooling.Bench;

// Usage: CpuBench [--runs N] [--max-instructions N] [--machine] image.bin [image.bin ...]
// Runs the bare CPU core by default; --machine runs the whole VM (as 'emu bench cpu' does).
int runs = 5;
long maxInstructions = long.MaxValue;
bool machine = false;
var images = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--runs" && i + 1 < args.Length)
        runs = int.Parse(args[++i]);
    else if (args[i] == "--machine")
        machine = true;
    else if (args[i] == "--max-instructions" && i + 1 < args.Length)
        maxInstructions = long.Parse(args[++i]);
    else
        images.Add(args[i]);
}
if (images.Count == 0 || runs < 1)
{
    Console.Error.WriteLine("usage: CpuBench [--runs N] [--max-instructions N] image.bin [image.bin ...]   (guest-images/bench/*.bin)");
    return 2;
}

foreach (string path in images)
{
    var result = CpuBenchmark.Measure(Path.GetFileName(path), File.ReadAllBytes(path), runs, bare: !machine, maxInstructions);
    string runsText = string.Join(" ", result.Seconds.Select(s => $"{s * 1000:F0}"));
    Console.Write($"{result.Name,-18} {result.Instructions,12:N0} instr  median {result.MedianSeconds * 1000,7:F1} ms  {result.Mips,7:F1} MIPS");
    if (result.PortWrites > 0)
        Console.Write($"  {result.NsPerPortWrite,6:F2} ns/OUT ({result.PortWrites:N0} OUTs)");
    Console.WriteLine($"   (best {result.BestMips:F1}, CPU time {result.CpuMips:F1} MIPS)   runs(ms): {runsText}");
}
return 0;
