namespace Emu.Hypervisor.Tests;

/// <summary>
/// A timer the guest reprograms while a CPU slice runs takes effect at the next instruction boundary. The run loop
/// sizes each slice from the next timer deadline (at most 1,000,000 instructions); before devices told it that a
/// deadline moved, PIT channel 0 set to mode 2, divisor 3 (a tick every 25 instructions) first interrupted at the
/// end of that slice, up to 100 ms of virtual time late, and so did a periodic RTC interrupt. The guest counts loop
/// iterations from the reprogramming to the first interrupt (guest-images/tests/timer-reprogram.asm).
/// </summary>
public class TimerReprogramTests
{
    private const string Prompt = "pit mode 2 divisor 3: prompt\npit after hlt: prompt\nrtc periodic: prompt\n";

    [Fact]
    public void A_reprogrammed_PIT_or_RTC_interrupts_within_its_new_period()
    {
        using var run = new GuestRunner("tests/timer-reprogram.bin");

        var outcome = run.Run();

        outcome.End.Should().Be(RunEnd.DebugExit, outcome.Message);
        run.Console.Should().Be(Prompt, "each first interrupt comes within a period or two of the new rate");
    }

    [Fact]
    public void The_same_holds_when_every_instruction_is_traced()
    {
        // Tracing instructions runs the slice one instruction at a time: the slice must still end early.
        using var run = new GuestRunner("tests/timer-reprogram.bin");
        run.Machine.Tracer = new Tracer(new TextTraceSink(TextWriter.Null, ownsWriter: false), TraceEvents.Instructions, hostTime: false);

        var outcome = run.Run();

        outcome.End.Should().Be(RunEnd.DebugExit, outcome.Message);
        run.Console.Should().Be(Prompt);
    }
}
