using System.Diagnostics;
using static Emu.Hypervisor.Tests.HaltDeadlockTests;

namespace Emu.Hypervisor.Tests;

/// <summary>
/// What a halted guest costs the host (<see cref="MachineConfig.IdleWait"/>): virtual time moves to the next timer
/// deadline either way; with <see cref="IdleWait.Sleep"/> the host also waits that long, so halted time passes in
/// real time, and Ctrl-C (the run's cancellation) cuts the wait short. The guest halts for ever with IRQ 0 every
/// 4096 PIT ticks (3.4 ms).
/// </summary>
public class IdleWaitTests
{
    private static VirtualMachine Idler(IdleWait wait)
    {
        var vm = new VirtualMachine(new MachineConfig { Cpu = CpuModel.I8086, IdleWait = wait });
        FlatBinaryLoader.Load(vm.Memory, [.. TimerHandler, .. InitPics, .. Masks(0xFE, 0xFF), .. ProgramPit, .. WaitForever], SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        return vm;
    }

    [Fact]
    public void Sleeping_a_halted_guest_keeps_its_virtual_time_with_real_time()
    {
        using var vm = Idler(IdleWait.Sleep);

        var outcome = vm.Run(new RunLimits { Timeout = TimeSpan.FromSeconds(1) });

        outcome.End.Should().Be(RunEnd.Timeout);
        // Nearly all of it halted: virtual time kept with the host's, never ahead of it (a loaded host may
        // deschedule the sleeper, so it may fall behind).
        var virtualTime = TimeSpan.FromTicks(vm.NowNs / 100);
        virtualTime.Should().BeLessThan(TimeSpan.FromMilliseconds(1100)).And.BeGreaterThan(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Skipping_runs_ahead_of_real_time()
    {
        using var vm = Idler(IdleWait.Skip);

        var outcome = vm.Run(new RunLimits { Timeout = TimeSpan.FromSeconds(1) });

        outcome.End.Should().Be(RunEnd.Timeout);
        TimeSpan.FromTicks(vm.NowNs / 100).Should().BeGreaterThan(TimeSpan.FromSeconds(10), "nothing waits for the host's clock");
    }

    [Fact]
    public async Task Cancelling_cuts_a_sleep_short()
    {
        // Woken once a second only, by the RTC's update-ended interrupt (IRQ 8; the PIT is never programmed).
        byte[] rtcUpdate = [0xB0, 0x0B, 0xE6, 0x70, 0xB0, 0x12, 0xE6, 0x71]; // register B = 12h: update-ended interrupt on
        using var vm = new VirtualMachine(new MachineConfig { Cpu = CpuModel.I8086, IdleWait = IdleWait.Sleep });
        FlatBinaryLoader.Load(vm.Memory, WithRtcHandler([.. InitPics, .. Masks(0xFB, 0xFE), .. rtcUpdate, .. WaitForever]), SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        using var cancel = new CancellationTokenSource();
        var run = Task.Run(() => vm.Run(new RunLimits { Cancellation = cancel.Token }));
        await Task.Delay(300);

        var watch = Stopwatch.StartNew();
        cancel.Cancel();
        var outcome = await run;

        outcome.End.Should().Be(RunEnd.Cancelled);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(500), "Ctrl-C does not wait for the next second");
    }
}
