using System.Text.Json;

namespace Emu.Cli.Tests;

public class BenchCpuCliTests
{
    [Fact]
    public void Bench_cpu_runs_a_shipped_loop_and_reports_exits_per_out_as_json()
    {
        var r = EmuProcess.Run("bench", "cpu", "--guests", "io", "--runs", "1", "--json");

        r.ExitCode.Should().Be(0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout.Trim());
        var e = doc.RootElement;
        e.GetProperty("guest").GetString().Should().Be("io");
        e.GetProperty("instructions").GetInt64().Should().Be(50_000_005, "the io loop's count is exact");
        e.GetProperty("outs").GetInt64().Should().Be(40_000_000);
        e.GetProperty("mips").GetDouble().Should().BePositive();
        e.GetProperty("nsPerOut").GetDouble().Should().BePositive();
    }

    [Fact]
    public void Bench_cpu_rejects_an_unknown_guest_in_one_line()
    {
        var r = EmuProcess.Run("bench", "cpu", "--guests", "quake");

        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain("unknown guest 'quake'").And.NotContain("   at ");
    }
}
