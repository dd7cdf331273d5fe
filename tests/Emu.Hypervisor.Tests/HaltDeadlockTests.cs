namespace Emu.Hypervisor.Tests;

/// <summary>
/// A guest that halts with interrupts on while its timer keeps running but the timer's interrupt cannot get
/// through the 8259s must end (Deadlock), not spin from deadline to deadline without retiring an instruction,
/// which ignored --max-instructions for ever; likewise when its interrupt could get through but the device will
/// never raise it. Found by the cpu fuzz target (tools/fuzz; docs/RELIABILITY.md).
/// </summary>
public class HaltDeadlockTests
{
    // PIT channel 0, mode 2 (rate generator), count 0x1000: IRQ 0 every 4096 ticks, for ever.
    internal static readonly byte[] ProgramPit = [0xB0, 0x34, 0xE6, 0x43, 0xB0, 0x00, 0xE6, 0x40, 0xB0, 0x10, 0xE6, 0x40];
    // ICW1-4 for both 8259s (vectors 08h and 70h, cascade on IRQ 2, 8086 mode).
    internal static readonly byte[] InitPics =
    [
        0xB0, 0x11, 0xE6, 0x20, 0xE6, 0xA0, 0xB0, 0x08, 0xE6, 0x21, 0xB0, 0x70, 0xE6, 0xA1,
        0xB0, 0x04, 0xE6, 0x21, 0xB0, 0x02, 0xE6, 0xA1, 0xB0, 0x01, 0xE6, 0x21, 0xE6, 0xA1,
    ];
    internal static byte[] Masks(byte master, byte slave) => [0xB0, master, 0xE6, 0x21, 0xB0, slave, 0xE6, 0xA1];
    // IVT entry 8 -> an IRET at 0000:0600 that also sends EOI; then STI; HLT; JMP back to the HLT.
    internal static readonly byte[] TimerHandler =
    [
        0xC6, 0x06, 0x00, 0x06, 0xB0, 0xC6, 0x06, 0x01, 0x06, 0x20, 0xC6, 0x06, 0x02, 0x06, 0xE6,
        0xC6, 0x06, 0x03, 0x06, 0x20, 0xC6, 0x06, 0x04, 0x06, 0xCF, // mov al,20h; out 20h,al; iret at 0600h
        0xC7, 0x06, 0x20, 0x00, 0x00, 0x06, 0xC7, 0x06, 0x22, 0x00, 0x00, 0x00,
    ];
    internal static readonly byte[] WaitForever = [0xFB, 0xF4, 0xEB, 0xFD];

    /// <summary><paramref name="body"/> preceded by setting vector 70h (IRQ 8) to a handler placed after it that
    /// reads RTC register C (which lowers the line), sends EOI to both 8259s and returns.</summary>
    internal static byte[] WithRtcHandler(byte[] body)
    {
        byte[] handler = [0xB0, 0x0C, 0xE6, 0x70, 0xE4, 0x71, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0xCF];
        const int SetVector = 12; // two MOV word [mem], imm16
        ushort at = (ushort)(SegmentedAddress.BootSector.Offset + SetVector + body.Length);
        byte[] setVector = [0xC7, 0x06, 0xC0, 0x01, (byte)at, (byte)(at >> 8), 0xC7, 0x06, 0xC2, 0x01, 0x00, 0x00];
        return [.. setVector, .. body, .. handler];
    }

    private static RunOutcome RunBounded(byte[] program, long maxInstructions)
    {
        using var vm = new VirtualMachine(new MachineConfig { Cpu = CpuModel.I8086 });
        FlatBinaryLoader.Load(vm.Memory, program, SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        var run = Task.Run(() => vm.Run(new RunLimits { MaxInstructions = maxInstructions }));
        if (!run.Wait(TimeSpan.FromSeconds(20)))
            throw new Xunit.Sdk.XunitException("the run never ended (the machine spins in virtual time)");
        return run.Result;
    }

    [Fact]
    public void Halt_with_the_timer_running_and_the_pics_never_initialised_is_a_deadlock()
    {
        var outcome = RunBounded([.. TimerHandler, .. ProgramPit, .. WaitForever], 10_000);

        outcome.End.Should().Be(RunEnd.Deadlock);
        outcome.Message.Should().Contain("IRQ 0, IRQ 8").And.Contain("nothing will wake it");
    }

    [Fact]
    public void Halt_with_the_timer_masked_is_a_deadlock()
    {
        var outcome = RunBounded([.. TimerHandler, .. InitPics, .. Masks(0xFF, 0xFF), .. ProgramPit, .. WaitForever], 10_000);

        outcome.End.Should().Be(RunEnd.Deadlock);
    }

    [Fact]
    public void Halt_with_the_timer_in_service_and_no_EOI_is_a_deadlock()
    {
        // The handler is a bare IRET (no EOI): IRQ 0 stays in service and blocks itself.
        byte[] noEoi = [0xC6, 0x06, 0x00, 0x06, 0xCF, 0xC7, 0x06, 0x20, 0x00, 0x00, 0x06, 0xC7, 0x06, 0x22, 0x00, 0x00, 0x00];
        var outcome = RunBounded([.. noEoi, .. InitPics, .. Masks(0xFE, 0xFF), .. ProgramPit, .. WaitForever], 10_000);

        outcome.End.Should().Be(RunEnd.Deadlock);
    }

    [Fact]
    public void Halt_with_the_timer_unmasked_keeps_waking_until_the_instruction_limit()
    {
        var outcome = RunBounded([.. TimerHandler, .. InitPics, .. Masks(0xFE, 0xFF), .. ProgramPit, .. WaitForever], 10_000);

        outcome.End.Should().Be(RunEnd.InstructionLimit, "every tick runs the handler, so instructions retire");
    }

    [Theory]
    [InlineData("cpu-halt-timer-never-delivered.bin")]
    [InlineData("cpu-halt-rtc-never-raised.bin")]
    public void The_fuzz_inputs_that_found_it_end_within_their_budget(string input)
    {
        using var harness = new Emu.Fuzz.CpuHarness(firmware: null);
        harness.Run(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fuzz", "regressions", input)));
        harness.Ends.Should().ContainKey(RunEnd.Deadlock);
    }

    // The second find: IRQ 0 masked, IRQ 8 and the cascade open, but the RTC never told to interrupt. IRQ 8 could
    // get through, yet nothing raises it: the PIT's deadlines came and went for ever.
    [Fact]
    public void Halt_with_the_timer_masked_and_an_open_IRQ_8_that_the_RTC_never_raises_is_a_deadlock()
    {
        var outcome = RunBounded([.. TimerHandler, .. InitPics, .. Masks(0x01, 0x00), .. ProgramPit, .. WaitForever], 10_000);

        outcome.End.Should().Be(RunEnd.Deadlock);
        outcome.Message.Should().Contain("IRQ 0, IRQ 8").And.Contain("nothing will wake it");
    }

    [Fact]
    public void Halt_with_the_timer_masked_and_the_RTC_interrupting_keeps_waking_until_the_instruction_limit()
    {
        // RTC: register A = 26h (1,024 Hz periodic rate), register B = 42h (periodic interrupt on, 24-hour).
        byte[] rtcPeriodic = [0xB0, 0x0A, 0xE6, 0x70, 0xB0, 0x26, 0xE6, 0x71, 0xB0, 0x0B, 0xE6, 0x70, 0xB0, 0x42, 0xE6, 0x71];

        var outcome = RunBounded(WithRtcHandler([.. InitPics, .. Masks(0x01, 0x00), .. rtcPeriodic, .. ProgramPit, .. WaitForever]), 10_000);

        outcome.End.Should().Be(RunEnd.InstructionLimit, "every RTC tick runs the handler, so instructions retire");
    }
}
