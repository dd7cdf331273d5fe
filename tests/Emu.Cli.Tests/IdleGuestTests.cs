using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Emu.Cli.Tests;

/// <summary>
/// A guest waiting in the BIOS (INT 16h for a key, INT 15h AH=86h for time) halts until an interrupt. emu used to
/// skip from one timer tick to the next as fast as the host could, so a program waiting for a key kept a host core
/// busy for ever; now, once the guest has read the keys it was given, halted time passes in real time and the host
/// sleeps. While a scripted key is still on its way the waits are skipped, so scripted runs stay fast. The guest is
/// guest-images/tests/wait-for-key.asm: a prompt, a 20 s wait, a key, another prompt, another key.
/// </summary>
public sealed partial class IdleGuestTests
{
    private const string Guest = "guest-images/tests/wait-for-key.bin";
    private const int SigInt = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    [Fact]
    public async Task A_guest_waiting_for_a_key_that_will_not_come_costs_the_host_almost_nothing()
    {
        using var emu = new RunningEmu("run", Guest, "--keys", "a", "--timeout", "8");
        emu.WaitForLine(l => l == "press another key", "the second prompt");
        Thread.Sleep(1000); // past start-up and the JIT's background recompilation

        var cpu = CpuTime(emu.Process);
        var wall = Stopwatch.StartNew();
        Thread.Sleep(3000);
        var used = CpuTime(emu.Process) - cpu;

        used.TotalMilliseconds.Should().BeLessThan(wall.Elapsed.TotalMilliseconds * 0.10,
            $"an idle guest sleeps in real time (it used {used.TotalMilliseconds:0} ms of CPU in {wall.Elapsed.TotalMilliseconds:0} ms)");
        emu.WaitForExit().Should().Be(124, "--timeout still ends a guest that waits for ever");
        emu.Lines.Should().Equal("press a key", "key 1E61", "press another key");
        (await emu.Stderr).Should().MatchRegex(@"^emu: stopped after 8 s of host time \(--timeout\) at [0-9A-F]{4}:[0-9A-F]{4}\n$");
    }

    [Fact]
    public void While_a_scripted_key_is_on_its_way_the_guest_s_waits_take_no_host_time()
    {
        var watch = Stopwatch.StartNew();
        var r = EmuProcess.Run("run", Guest, "--keys", "ab");

        r.ExitCode.Should().Be(1, r.Stderr);
        r.Stdout.Should().Be("press a key\nkey 1E61\npress another key\nkey 3062\n");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the 20 s wait passes in virtual time only while a key waits");
    }

    [Fact]
    public async Task Ctrl_C_ends_an_idle_guest_at_once()
    {
        using var emu = new RunningEmu("run", Guest, "--keys", "a");
        emu.WaitForLine(l => l == "press another key", "the second prompt");
        Thread.Sleep(500);

        var watch = Stopwatch.StartNew();
        SendSignal(emu.Process.Id, SigInt).Should().Be(0);
        emu.WaitForExit().Should().Be(130);

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the host's sleep is cut short by Ctrl-C");
        (await emu.Stderr).Should().MatchRegex(@"^emu: interrupted at [0-9A-F]{4}:[0-9A-F]{4} after [\d,]+ instructions\n$");
    }

    private static TimeSpan CpuTime(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }
}
