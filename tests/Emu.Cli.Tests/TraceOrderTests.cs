using Emu.Tests.Shared;
using System.Text.Json;

namespace Emu.Cli.Tests;

/// <summary>Traces a debugger user can trust: events in the order they happened, registers when asked, and a Chrome
/// trace whose slices nest (docs/TRACE-FORMAT.md).</summary>
public class TraceOrderTests : IDisposable
{
    private readonly TempFile _trace = TempFile.With();

    public void Dispose() => _trace.Dispose();

    private string[] TracePio(params string[] options)
    {
        var r = EmuProcess.Run(["run", "guest-images/tests/ata/pio.bin", "--disk", "guest-images/tests/ata/disk.img,readonly", "--trace", _trace.Path, .. options]);
        r.ExitCode.Should().Be(1, "pio.bin leaves through the debug-exit port with 0");
        return File.ReadAllLines(_trace.Path);
    }

    [Fact]
    public void The_exit_comes_before_the_device_and_backend_events_it_caused()
    {
        var lines = TracePio();

        int exit = Array.FindIndex(lines, l => l.Contains("exit io        out   01F7h/1 = 20h ata0.command"));
        exit.Should().BeGreaterThan(0, "the trace has the READ SECTORS command write");
        lines[exit + 1].Should().Contain("device    ata0 READ SECTORS lba=5 count=3");
        lines[exit + 2].Should().Contain("device    ata0-master backend read offset=2560 length=512");
        lines[exit + 3].Should().Contain("device    irq irq14 raised");
        var sequence = lines.Select(l => long.Parse(l[1..l.IndexOf(' ')])).ToList();
        sequence.Should().BeInAscendingOrder("event numbers follow the order of the lines");
    }

    [Fact]
    public void An_interrupt_comes_before_the_handler_instruction_it_ran()
    {
        var lines = TracePio("--trace-events", "all");

        var interrupts = Enumerable.Range(1, lines.Length - 2).Where(i => lines[i].Contains(" interrupt external")).ToList();
        interrupts.Should().NotBeEmpty();
        foreach (int i in interrupts)
        {
            string where = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]; // CS:IP
            lines[i - 1].Should().NotContain($"{where} insn", "the instruction at {0} runs after the interrupt and its handler", where);
            lines[i + 1].Should().Contain(" insn ", "the next event is the handler's first instruction");
        }
    }

    [Fact]
    public void Trace_registers_adds_the_registers_to_instruction_events()
    {
        var r = EmuProcess.Run("run", "guest-images/demos/hello.bin", "--trace", _trace.Path, "--trace-format", "jsonl",
            "--trace-events", "instructions", "--trace-registers");
        r.ExitCode.Should().Be(0);

        var firstOut = File.ReadLines(_trace.Path).Select(l => JsonDocument.Parse(l).RootElement)
            .First(e => e.GetProperty("kind").GetString() == "instruction" && e.GetProperty("cs").GetInt32() == 0 && e.GetProperty("ip").GetInt32() == 0x7C11);
        var regs = firstOut.GetProperty("regs");
        regs.GetProperty("edx").GetUInt32().Should().Be(0xE9);
        (regs.GetProperty("eax").GetUInt32() & 0xFF).Should().Be((uint)'H', "AL holds the byte about to be written");
        regs.GetProperty("esi").GetUInt32().Should().Be(0x7C18, "lodsb moved SI past the 'H'");

        EmuProcess.Run("run", "guest-images/demos/hello.bin", "--trace", _trace.Path, "--trace-registers")
            .ShouldBeOneLineError(2, "--trace-registers adds registers to instruction events");
    }

    [Fact]
    public void The_chrome_trace_with_host_time_has_no_overlapping_slices_on_a_track()
    {
        TracePio("--trace-format", "chrome", "--trace-host-time");

        using var json = JsonDocument.Parse(File.ReadAllText(_trace.Path));
        var slices = json.RootElement.EnumerateArray().Where(e => e.GetProperty("ph").GetString() == "X")
            .Select(e => (Track: e.GetProperty("tid").GetInt32(), Start: e.GetProperty("ts").GetDecimal(), Length: e.GetProperty("dur").GetDecimal(),
                Seq: e.GetProperty("args").GetProperty("seq").GetInt64()))
            .ToList();
        slices.Should().HaveCountGreaterThan(500);
        foreach (var track in slices.GroupBy(s => s.Track))
        {
            var ordered = track.OrderBy(s => s.Start).ThenBy(s => s.Seq).ToList();
            for (int i = 1; i < ordered.Count; i++)
                (ordered[i - 1].Start + ordered[i - 1].Length).Should().BeLessThanOrEqualTo(ordered[i].Start,
                    "slice #{0} on track {1} ends before #{2} starts", ordered[i - 1].Seq, track.Key, ordered[i].Seq);
        }
    }
}
