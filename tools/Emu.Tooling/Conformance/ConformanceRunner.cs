using System.IO.Compression;
using System.Text.Json;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Memory;

namespace Emu.Tooling.Conformance;

/// <summary>The outcome of one test file.</summary>
public sealed record FileResult(string File, int Passed, int Failed, IReadOnlyList<string> FirstFailures, string? Error = null)
{
    public int Total => Passed + Failed;
}

/// <summary>
/// Runs single-instruction test vectors in the SingleStepTests format: load the initial registers
/// and RAM, execute exactly one instruction, compare registers (FLAGS under the metadata mask) and
/// RAM. Every file is read as it is; no test is treated differently by number, name or data.
/// </summary>
public sealed class ConformanceRunner
{
    private static readonly string[] RegisterNames = ["ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags"];

    public ConformanceRunner(CpuModel model, int failuresToShow = 3)
    {
        Model = model;
        FailuresToShow = failuresToShow;
    }

    public CpuModel Model { get; }
    public int FailuresToShow { get; }

    /// <summary>The test files of a suite directory, in name order.</summary>
    public static IReadOnlyList<string> FindFiles(string directory) =>
        Directory.GetFiles(directory, "*.json.gz").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();

    /// <summary>Runs the files on all cores; results come back in the order of <paramref name="files"/>.</summary>
    /// <param name="fileDone">Called (from any thread) as each file finishes, with how many have: for progress lines.</param>
    public IReadOnlyList<FileResult> RunFiles(IReadOnlyList<string> files, ConformanceMetadata metadata, Action<int, FileResult>? fileDone = null)
    {
        var results = new FileResult[files.Count];
        int done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new TestMachine(Model),
            (i, _, machine) =>
            {
                results[i] = RunFile(machine, files[i], metadata.FlagsMaskFor(Path.GetFileName(files[i])));
                fileDone?.Invoke(Interlocked.Increment(ref done), results[i]);
                return machine;
            },
            _ => { });
        return results;
    }

    private FileResult RunFile(TestMachine machine, string path, ushort flagsMask)
    {
        string name = Path.GetFileName(path);
        JsonDocument doc;
        try
        {
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            doc = JsonDocument.Parse(gzip);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or UnauthorizedAccessException)
        {
            return new FileResult(name, 0, 0, [], $"cannot read: {e.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                return new FileResult(name, 0, 0, [], "not a JSON array of tests");
            int passed = 0, failed = 0;
            var failures = new List<string>();
            foreach (var test in doc.RootElement.EnumerateArray())
            {
                string? problem;
                try
                {
                    problem = machine.RunTest(test, flagsMask);
                }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    problem = $"malformed test: {e.Message}";
                }
                if (problem is null)
                {
                    passed++;
                    continue;
                }
                failed++;
                if (failures.Count < FailuresToShow)
                {
                    string testName = test.TryGetProperty("name", out var n) ? n.GetString() ?? "?" : "?";
                    string bytes = test.TryGetProperty("bytes", out var b)
                        ? string.Join(' ', b.EnumerateArray().Select(x => x.GetInt32().ToString("X2")))
                        : "";
                    failures.Add($"{testName} [{bytes}]: {problem}");
                }
            }
            return new FileResult(name, passed, failed, failures);
        }
    }

    /// <summary>One CPU and memory reused for every test a worker runs.</summary>
    private sealed class TestMachine
    {
        private readonly GuestMemory _memory = new();
        private readonly Processor _cpu;

        public TestMachine(CpuModel model)
        {
            _cpu = new Processor(_memory, model);
            // The chip on its own, with RAM on every address line: the 8086's 20 lines wrap at 1 MiB;
            // a 286's FFFF:0010 and above reach the 64 KiB past it (the vectors' 24-bit addresses).
            _memory.A20Enabled = model.AddressLines() > 20;
        }

        /// <summary>A vector's physical address as the chip's address lines see it; null when it lies
        /// beyond the memory a real-mode CPU can address (FFFF:FFFF = 10FFEF).</summary>
        private uint? Physical(JsonElement cell)
        {
            uint address = (uint)cell[0].GetInt32() & _memory.AddressMask;
            return address < GuestMemory.Size ? address : null;
        }

        /// <summary>Runs one test; null when it passes, else what differed.</summary>
        public string? RunTest(JsonElement test, ushort flagsMask)
        {
            var initial = test.GetProperty("initial");
            var final = test.GetProperty("final");
            var initialRegs = initial.GetProperty("regs");

            _cpu.Reset();
            foreach (var reg in initialRegs.EnumerateObject())
                SetRegister(reg.Name, (ushort)reg.Value.GetInt32());
            Span<byte> one = stackalloc byte[1];
            foreach (var cell in initial.GetProperty("ram").EnumerateArray())
            {
                if (Physical(cell) is not uint address)
                    return $"malformed test: initial ram address {cell[0].GetInt32():X} is beyond real-mode memory";
                one[0] = (byte)cell[1].GetInt32();
                _memory.Load(address, one);
            }

            long interruptsBefore = _cpu.InterruptsDelivered;
            var stop = _cpu.Step();
            if (stop is StopReason.Shutdown or StopReason.InvalidState)
                return $"CPU stopped: {stop} {_cpu.StopMessage}";
            bool interrupted = _cpu.InterruptsDelivered != interruptsBefore;

            var finalRegs = final.GetProperty("regs");
            var differences = new List<string>();
            foreach (string reg in RegisterNames)
            {
                ushort expected = finalRegs.TryGetProperty(reg, out var e) ? (ushort)e.GetInt32()
                    : initialRegs.TryGetProperty(reg, out var i) ? (ushort)i.GetInt32() : GetRegister(reg);
                ushort actual = GetRegister(reg);
                if (reg == "flags" ? ((expected ^ actual) & flagsMask) != 0 : expected != actual)
                    differences.Add($"{reg} {actual:X4} expected {expected:X4}");
            }

            // An exception frame's FLAGS word carries the undefined flags of the faulting
            // instruction, so it is compared under the same mask as the FLAGS register.
            uint framedFlags = interrupted ? ((uint)_cpu.SS << 4) + (uint)((_cpu.SP + 4) & 0xFFFF) : uint.MaxValue;
            uint addressMask = _memory.AddressMask;
            foreach (var cell in final.GetProperty("ram").EnumerateArray())
            {
                if (Physical(cell) is not uint address)
                    return $"malformed test: final ram address {cell[0].GetInt32():X} is beyond real-mode memory";
                byte expected = (byte)cell[1].GetInt32();
                byte actual = _memory.Bytes[(int)address];
                byte mask = 0xFF;
                if (address == (framedFlags & addressMask)) mask = (byte)flagsMask;
                else if (address == ((framedFlags + 1) & addressMask)) mask = (byte)(flagsMask >> 8);
                if (((expected ^ actual) & mask) != 0)
                    differences.Add($"[{address:X5}] {actual:X2} expected {expected:X2}");
            }
            return differences.Count == 0 ? null : string.Join(", ", differences);
        }

        private void SetRegister(string name, ushort value)
        {
            switch (name)
            {
                case "ax": _cpu.AX = value; break;
                case "bx": _cpu.BX = value; break;
                case "cx": _cpu.CX = value; break;
                case "dx": _cpu.DX = value; break;
                case "sp": _cpu.SP = value; break;
                case "bp": _cpu.BP = value; break;
                case "si": _cpu.SI = value; break;
                case "di": _cpu.DI = value; break;
                case "cs": _cpu.CS = value; break;
                case "ss": _cpu.SS = value; break;
                case "ds": _cpu.DS = value; break;
                case "es": _cpu.ES = value; break;
                case "ip": _cpu.IP = value; break;
                case "flags": _cpu.Flags = value; break;
            }
        }

        private ushort GetRegister(string name) => name switch
        {
            "ax" => _cpu.AX,
            "bx" => _cpu.BX,
            "cx" => _cpu.CX,
            "dx" => _cpu.DX,
            "sp" => _cpu.SP,
            "bp" => _cpu.BP,
            "si" => _cpu.SI,
            "di" => _cpu.DI,
            "cs" => _cpu.CS,
            "ss" => _cpu.SS,
            "ds" => _cpu.DS,
            "es" => _cpu.ES,
            "ip" => _cpu.IP,
            "flags" => (ushort)_cpu.Flags,
            _ => 0,
        };
    }
}
