using System.Globalization;
using System.Text.Json;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>A FAT16 data disk with a 1 MiB file for FREAD.COM, shared by the layer tests.</summary>
public sealed class FreadDisk : IDisposable
{
    internal FatDisk Fat { get; } = FatDisk.Create(mib: 16, fatBits: 16);
    internal byte[] Data { get; } = GuestOs.RandomBytes(17, 1024 * 1024);

    public FreadDisk() => Fat.Write("BIG.BIN", Data);

    public void Dispose() => Fat.Dispose();
}

/// <summary>
/// `--layers` on FREAD.COM through the OS: every guest layer the OS marks gets the instructions and exits it
/// caused, and the table adds up to what --stats counts for the run; the chrome trace nests the layers around
/// the exits they caused.
/// </summary>
public class GuestOsLayersTests(FreadDisk disk) : IClassFixture<FreadDisk>
{
    private const string Read = "application/system call/filesystem/block layer/driver";

    public static TheoryData<string> Drivers() => [.. GuestOs.Drivers];

    [Theory]
    [MemberData(nameof(Drivers))]
    public void The_layer_table_adds_up_to_the_runs_totals_and_puts_the_read_in_the_driver(string driver)
    {
        var run = GuestOs.WithDriver(driver, disk.Fat.Path, [@"fread c:\big.bin", "exit 0"], "--layers", "--stats");

        run.ExitCode.Should().Be(1, run.Stderr);
        run.Transcript.Should().Contain(GuestOs.SumLine(disk.Data[..51200], @"c:\big.bin"));
        var table = LayerTable.Parse(run.Stderr);
        long instructions = StatsValue(run.Stderr, "instructions retired"), exits = StatsValue(run.Stderr, "VM exits");
        table.Total.Instructions.Should().Be(instructions);
        table.Total.Exits.Should().Be(exits);
        table.Rows.Sum(r => r.Instructions).Should().Be(instructions);
        table.Rows.Sum(r => r.Exits).Should().Be(exits);
        table.Rows.Sum(r => r.HostMs).Should().BeApproximately(table.Total.HostMs, 0.001 * table.Rows.Count);
        table.Rows.Should().OnlyContain(r => r.HostMs >= 0);

        // FREAD's own code (copy, CRC-32 of 51,200 bytes) is hundreds of thousands of instructions and no device access
        table.Row("application").Instructions.Should().BeGreaterThan(500_000);
        table.Row("application").Exits.Should().BeLessThan(5);
        // the one 100-sector read, where each driver puts it: PIO one exit per data word, DMA and virtio a few
        long readExits = driver == "bios" ? table.Row(Read + "/firmware").Exits : table.Row(Read).Exits;
        if (driver is "ata-pio" or "bios")
            readExits.Should().BeGreaterThanOrEqualTo(100 * 256);
        else
            readExits.Should().BeInRange(1, 60);
        table.Row("layer marks").Exits.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Without_layers_the_OS_makes_no_layer_hypercall()
    {
        var plain = GuestOs.WithDriver("virtio", disk.Fat.Path, [@"fread c:\big.bin", "exit 0"], "--stats");
        var layered = GuestOs.WithDriver("virtio", disk.Fat.Path, [@"fread c:\big.bin", "exit 0"], "--stats", "--layers");

        long marks = LayerTable.Parse(layered.Stderr).Row("layer marks").Exits;
        StatsValue(layered.Stderr, "hypercall").Should().Be(StatsValue(plain.Stderr, "hypercall") + marks);
        StatsValue(layered.Stderr, "instructions retired").Should().BeGreaterThan(StatsValue(plain.Stderr, "instructions retired"));
        StatsValue(layered.Stderr, "VM exits").Should().Be(StatsValue(plain.Stderr, "VM exits") + marks);
    }

    [Fact]
    public void The_chrome_trace_nests_the_virtio_notify_inside_the_layers_of_the_read()
    {
        using var traceFile = TempFile.Named(".json");
        string trace = traceFile.Path;
        var run = GuestOs.WithDriver("virtio", disk.Fat.Path, [@"fread c:\big.bin", "exit 0"], "--trace", trace, "--trace-format", "chrome");
        run.ExitCode.Should().Be(1, run.Stderr);

        using var doc = JsonDocument.Parse(File.ReadAllText(trace));
        var stack = new List<string>();
        var notifyStacks = new List<string>();
        int begins = 0, ends = 0;
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("tid").GetInt32() != 1)
                continue;
            switch (e.GetProperty("ph").GetString())
            {
                case "B":
                    stack.Add(e.GetProperty("name").GetString()!);
                    begins++;
                    break;
                case "E":
                    stack.Should().NotBeEmpty();
                    stack.RemoveAt(stack.Count - 1);
                    ends++;
                    break;
                case "X" when e.GetProperty("name").GetString()!.Contains("virtio-mmio.queue-notify", StringComparison.Ordinal):
                    notifyStacks.Add(string.Join("/", stack));
                    break;
            }
        }
        begins.Should().Be(ends).And.BeGreaterThan(10);
        notifyStacks.Should().Contain(Read);
    }

    private static long StatsValue(string stderr, string name)
    {
        var line = stderr.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return long.Parse(line[name.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }
}

/// <summary>The table `--layers` prints: fixed columns (name 44, instructions 14, exits 10, host ms 10, share 8);
/// a row's name is its path of layers, joined with '/', as indented under its parents.</summary>
internal sealed record LayerTable(List<LayerTable.Line> Rows, LayerTable.Line Total)
{
    public sealed record Line(string Name, long Instructions, long Exits, double HostMs);

    public Line Row(string name) => Rows.Single(r => r.Name == name);

    public static LayerTable Parse(string stderr)
    {
        var lines = stderr.Replace("\r", "").Split('\n');
        int start = Array.FindIndex(lines, l => l.StartsWith("layer (innermost)", StringComparison.Ordinal));
        start.Should().BeGreaterThanOrEqualTo(0, "--layers prints its table: " + stderr);
        var rows = new List<Line>();
        var path = new List<string>();
        for (int i = start + 1; i < lines.Length; i++)
        {
            string l = lines[i];
            string label = l[..44].TrimEnd();
            long Number(int from, int width) => l.Substring(from, width).Trim() is { Length: > 0 } n ? long.Parse(n, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : 0;
            var line = new Line(label.Trim(), Number(44, 14), Number(58, 10), double.Parse(l.Substring(68, 10), CultureInfo.InvariantCulture));
            if (label == "total")
                return new LayerTable(rows, line);
            int depth = (label.Length - label.TrimStart().Length) / 2;
            if (depth > 0)
            {
                path.RemoveRange(depth - 1, path.Count - (depth - 1));
                path.Add(label.Trim());
                line = line with { Name = string.Join("/", path) };
            }
            else
            {
                path.Clear();
                if (label.StartsWith("layer marks", StringComparison.Ordinal))
                    line = line with { Name = "layer marks" };
            }
            rows.Add(line);
        }
        throw new InvalidDataException("no total row in the layer table: " + stderr);
    }
}
