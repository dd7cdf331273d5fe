using System.Text.Json;

namespace Emu.Hypervisor.Tests;

public class VirtualMachineTests
{
    [Fact]
    public void Hello_prints_on_the_debug_console_and_halts_with_status_zero()
    {
        using var run = new GuestRunner("demos/hello.bin");

        var outcome = run.Run();

        run.Console.Should().Be("Hello from Emu!\n");
        outcome.End.Should().Be(RunEnd.Halted);
        outcome.ExitCode.Should().Be(0);
        run.Machine.Stats.CountOf(ExitReason.Io).Should().Be(16, "one OUT per character");
    }

    [Theory]
    [InlineData(CpuModel.I8086)]
    [InlineData(CpuModel.I386)]
    public void Platform_takes_timer_interrupts_prints_on_both_consoles_and_exits_through_the_debug_port(CpuModel model)
    {
        using var run = new GuestRunner("demos/platform.bin", model);

        var outcome = run.Run();

        string expected = "platform: PIC and PIT programmed\ntick 1\ntick 2\ntick 3\ntick 4\ntick 5\nplatform: done\n";
        run.Console.Should().Be(expected);
        run.Serial.Should().Be(expected);
        outcome.End.Should().Be(RunEnd.DebugExit);
        outcome.ExitCode.Should().Be(0x21);
        run.Machine.Stats.InterruptsDelivered.Should().Be(5);
        run.Machine.Stats.CountOfDevice("pic-master").Should().BeGreaterThan(0);
    }

    [Fact]
    public void Timer_interrupts_arrive_ten_virtual_milliseconds_apart()
    {
        using var run = new GuestRunner("demos/platform.bin");
        run.Run();

        // Five ticks at 100 Hz: at least 40 ms of virtual time passed between the first and the last.
        run.Machine.NowNs.Should().BeInRange(40_000_000, 60_000_000);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("jsonl")]
    [InlineData("chrome")]
    public void Two_runs_give_the_same_trace_byte_for_byte(string format)
    {
        string Trace()
        {
            var writer = new StringWriter();
            using var run = new GuestRunner("demos/platform.bin", trace: writer, traceFormat: format);
            run.Run();
            return writer.ToString();
        }

        string first = Trace();
        first.Should().Contain("pic-master");
        Trace().Should().Be(first);
    }

    [Fact]
    public void The_jsonl_trace_is_one_object_per_line_with_the_documented_fields()
    {
        var writer = new StringWriter();
        using (var run = new GuestRunner("demos/hello.bin", trace: writer, traceFormat: "jsonl"))
            run.Run();

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(17);
        using var first = JsonDocument.Parse(lines[0]);
        var e = first.RootElement;
        e.GetProperty("kind").GetString().Should().Be("exit");
        e.GetProperty("reason").GetString().Should().Be("io");
        e.GetProperty("dir").GetString().Should().Be("out");
        e.GetProperty("addr").GetUInt32().Should().Be(0xE9);
        e.GetProperty("value").GetUInt32().Should().Be('H');
        e.GetProperty("device").GetString().Should().Be("debugcon");
        e.GetProperty("insn").GetString().Should().Be("out dx, al");
        JsonDocument.Parse(lines[^1]).RootElement.GetProperty("kind").GetString().Should().Be("stop");
    }

    [Fact]
    public void The_chrome_trace_is_a_json_array_with_exits_on_their_own_track()
    {
        var writer = new StringWriter();
        using (var run = new GuestRunner("demos/platform.bin", trace: writer, traceFormat: "chrome"))
            run.Run();

        using var doc = JsonDocument.Parse(writer.ToString());
        var events = doc.RootElement.EnumerateArray().ToList();
        events.Should().Contain(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("cat").GetString() == "exit" && e.GetProperty("tid").GetInt32() == 1);
        events.Should().Contain(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("cat").GetString() == "interrupt" && e.GetProperty("tid").GetInt32() == 3);
    }

    [Fact]
    public void An_instruction_budget_ends_the_run_with_status_124()
    {
        using var run = new GuestRunner("demos/platform.bin");

        var outcome = run.Run(new RunLimits { MaxInstructions = 100 });

        outcome.End.Should().Be(RunEnd.InstructionLimit);
        outcome.ExitCode.Should().Be(124);
        run.Machine.Cpu.Retired.Should().Be(100);
    }

    [Fact]
    public void A_triple_fault_shuts_the_machine_down_with_status_3()
    {
        // lidt [zero limit] ; int 3  -> the vector is beyond the IDT limit: shutdown.
        using var run = new GuestRunner([0x0F, 0x01, 0x1E, 0x00, 0x7E, 0xCC]);
        run.Machine.Memory.Load(0x7E00, [0, 0, 0, 0, 0, 0]);

        var outcome = run.Run();

        outcome.End.Should().Be(RunEnd.Shutdown);
        outcome.ExitCode.Should().Be(3);
        run.Machine.Cpu.Stop.Should().Be(new CpuStop(StopCause.VectorBeyondLimit, Value: 0, Vector: 3));
    }

    [Fact]
    public void Unclaimed_ports_read_all_ones_and_are_counted()
    {
        // in al, 0x99 ; in ax, 0x99 ; cli ; hlt
        using var run = new GuestRunner([0xE4, 0x99, 0x88, 0xC3, 0xE5, 0x99, 0xFA, 0xF4]);

        run.Run();

        run.Machine.Cpu.BL.Should().Be(0xFF);
        run.Machine.Cpu.AX.Should().Be(0xFFFF);
        run.Machine.Stats.UnclaimedPortAccesses.Should().Be(2);
    }

    [Fact]
    public void Halting_with_interrupts_on_and_no_timer_programmed_is_reported_not_waited_on_forever()
    {
        // sti ; hlt : the PIC was never initialised, so nothing can ever interrupt.
        using var run = new GuestRunner([0xFB, 0xF4]);

        var outcome = run.Run();

        outcome.End.Should().BeOneOf(RunEnd.Deadlock, RunEnd.InstructionLimit);
        outcome.Message.Should().NotBeEmpty();
    }

    [Fact]
    public void An_unknown_hypercall_returns_FFFF_in_AX()
    {
        // mov ax, 0x1234 ; vmcall ; cli ; hlt
        using var run = new GuestRunner([0xB8, 0x34, 0x12, 0x0F, 0x01, 0xC1, 0xFA, 0xF4]);

        run.Run();

        run.Machine.Cpu.AX.Should().Be(0xFFFF);
        run.Machine.Stats.CountOf(ExitReason.Hypercall).Should().Be(1);
    }

    [Fact]
    public void Loading_a_program_that_runs_past_one_megabyte_is_refused()
    {
        using var run = new GuestRunner("");
        var act = () => FlatBinaryLoader.Load(run.Machine.Memory, new byte[0x1000], new SegmentedAddress(0xFFFF, 0x0000));
        act.Should().Throw<InvalidDataException>().WithMessage("*does not fit in memory at FFFF:0000*past 1 MiB*");
    }
}
