using System.Text.Json;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

public class BenchCpuCliTests
{
    // A small guest keeps this quick (the shipped ones run 50-220 million instructions, three ways).
    [Fact]
    public void Bench_cpu_reports_each_guest_through_the_process_the_machine_and_the_core_as_json()
    {
        using var dir = new TempFolder("emu-bench-test-");
        string program = dir["outs.bin"];
        // mov cx, 30000 ; out 80h, al ; loop $-2 ; cli ; hlt: 30,000 OUTs of 60,003 instructions
        File.WriteAllBytes(program, [0xB9, 0x30, 0x75, 0xE6, 0x80, 0xE2, 0xFC, 0xFA, 0xF4]);

        var r = EmuProcess.Run("bench", "cpu", program, "--runs", "1", "--json");

        r.ExitCode.Should().Be(0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout.Trim());
        var e = doc.RootElement;
        e.GetProperty("guest").GetString().Should().Be("outs.bin");
        e.GetProperty("instructions").GetInt64().Should().Be(60_003);
        e.GetProperty("outs").GetInt64().Should().Be(30_000);
        e.GetProperty("nsPerOut").GetDouble().Should().BePositive("half the instructions are OUTs");
        e.GetProperty("core").GetProperty("instructions").GetInt64().Should().Be(60_003);
        e.GetProperty("process").GetProperty("instructions").GetInt64().Should().BeInRange(60_003 + 1, 60_003 + 100_000,
            "the process retires the firmware's POST before the guest");
        foreach (var column in (string[])["process", "machine", "core"])
            e.GetProperty(column).GetProperty("medianSeconds").GetDouble().Should().BePositive(column);
    }

    [Fact]
    public void Bench_cpu_measures_the_files_it_is_given()
    {
        using var dir = new TempFolder("emu-bench-test-");
        string program = dir["countdown.bin"];
        File.WriteAllBytes(program, [0xB9, 0x40, 0x9C, 0xE2, 0xFE, 0xFA, 0xF4]); // mov cx, 40000 ; loop $ ; cli ; hlt

        var r = EmuProcess.Run("bench", "cpu", program, "--runs", "1");

        r.ExitCode.Should().Be(0, r.Stderr);
        var row = r.Stdout.Split('\n').Single(l => l.StartsWith("countdown.bin", StringComparison.Ordinal));
        row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].Should().Be("40,003", "MOV, 40,000 LOOPs, CLI and HLT retire");
        r.Stdout.Should().NotContain("alu", "only the file given is measured");
    }

    [Fact]
    public void Bench_cpu_reports_a_guest_that_never_halts_in_one_line()
    {
        using var dir = new TempFolder("emu-bench-test-");
        string program = dir["spin.bin"];
        File.WriteAllBytes(program, [0xEB, 0xFE]); // jmp $

        var r = EmuProcess.Run("bench", "cpu", program, "--runs", "1", "--timeout", "0.5");

        r.ShouldBeOneLineError(1, "did not halt within 0.5 s");
    }

    [Fact]
    public void Bench_cpu_help_describes_its_file_arguments()
    {
        var r = EmuProcess.Run("bench", "cpu", "--help");

        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stdout.Should().Contain("FILE (pos. 1)").And.Contain("flat programs");
    }

    [Fact]
    public void Bench_cpu_rejects_an_unknown_guest_in_one_line()
    {
        var r = EmuProcess.Run("bench", "cpu", "--guests", "quake");

        r.ShouldBeOneLineError(2, "unknown guest 'quake' (use alu, alu-samepage, call, codepage, com, cstyle, dispatch, far, int, io, muldiv, nested, pit, strcopy, string)");
    }
}
