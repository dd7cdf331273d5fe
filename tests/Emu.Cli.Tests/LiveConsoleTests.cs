using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// The live console as a person uses it: emu runs in a real terminal (a tmux pane of its own server),
/// keys are typed with send-keys and the screen is read with capture-pane.
/// </summary>
public sealed class LiveConsoleTests
{
    /// <summary>The shipped boot demo on the live console, waiting at its "Your name?" prompt.</summary>
    private static TmuxPane BootDemoAtItsPrompt()
    {
        var pane = new TmuxPane("boot", "guest-images/demos/bootdemo.bin", "--console", "screen");
        try
        {
            pane.WaitFor("Your name?");
            return pane;
        }
        catch
        {
            pane.Dispose();
            throw;
        }
    }

    [Fact]
    public void Typing_into_the_shipped_boot_demo_shows_its_answer_on_the_screen()
    {
        using var pane = BootDemoAtItsPrompt();

        pane.Tmux("send-keys", "Tmux", "Enter");

        var screen = pane.WaitFor("Hello, Tmux!");
        screen.Should().Contain("Emu boot demo: INT 10h, 16h and 1Ah from the BIOS");
        pane.ExitStatus().Should().Be(0, "the demo halts with interrupts off after greeting");
    }

    [Fact]
    public void A_guest_waiting_for_typing_costs_the_host_almost_nothing_and_a_key_typed_later_wakes_it()
    {
        // The demo waits in INT 16h (the BIOS halts until IRQ 1 or the timer); nothing is scripted, so emu
        // sleeps in real time, polling the terminal, instead of racing through timer ticks on a host core.
        using var pane = BootDemoAtItsPrompt();
        using var emu = Process.GetProcessById(pane.EmuProcessId());
        Thread.Sleep(1000); // past start-up and the JIT's background recompilation

        emu.Refresh();
        var cpu = emu.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Thread.Sleep(3000);
        emu.Refresh();
        var used = emu.TotalProcessorTime - cpu;

        used.TotalMilliseconds.Should().BeLessThan(wall.Elapsed.TotalMilliseconds * 0.10,
            $"an idle guest sleeps (it used {used.TotalMilliseconds:0} ms of CPU in {wall.Elapsed.TotalMilliseconds:0} ms)");
        pane.Tmux("send-keys", "Ada", "Enter");
        pane.WaitFor("Hello, Ada!");
        pane.ExitStatus().Should().Be(0);
    }

    [Fact]
    public void Editing_keys_reach_the_guest_as_a_keyboard_sends_them()
    {
        using var pane = BootDemoAtItsPrompt();

        pane.Tmux("send-keys", "abx", "BSpace", "c", "Enter");

        pane.WaitFor("Hello, abc!");
    }

    [Fact]
    public void Console_commands_take_a_screenshot_and_quit_and_the_terminal_is_given_back()
    {
        using var pane = BootDemoAtItsPrompt();

        pane.Tmux("send-keys", "C-a", "s");
        var screen = pane.WaitFor("screenshot written to ");
        string file = screen.Split("screenshot written to ")[1].Split('\n')[0].Trim();
        var shot = PngPixels.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Root, file)));
        File.Delete(Path.Combine(RepoPaths.Root, file));
        (shot.Width, shot.Height).Should().Be((640, 400));

        pane.Tmux("display-message", "-p", "#{alternate_on}").Trim().Should().Be("1", "the console draws on the alternate screen");
        pane.Tmux("send-keys", "C-a", "x");
        pane.ExitStatus().Should().Be(0, "quitting from the console is not an error");
        pane.Tmux("display-message", "-p", "#{alternate_on} #{cursor_flag}").Trim().Should().Be("0 1", "the terminal is back on its normal screen with the cursor shown");
        pane.Screen().Should().Contain("Your name?", "the guest's last screen stays in the terminal");
    }

    [Fact]
    public void The_reset_key_reboots_the_guest_which_asks_again_from_a_fresh_screen()
    {
        using var pane = new TmuxPane("boot", "guest-images/demos/bootdemo.bin", "--console", "screen");
        pane.WaitFor("Your name?");
        pane.Tmux("send-keys", "Ada");
        pane.WaitFor("Your name? Ada");

        pane.Tmux("send-keys", "C-a", "r");

        // POST again, the boot sector again: its mode set clears the screen, so the half-typed name is gone.
        pane.WaitFor(screen => screen.Contains("Your name?", StringComparison.Ordinal) && !screen.Contains("Ada", StringComparison.Ordinal),
            "the boot demo's question on a fresh screen");
        pane.Tmux("send-keys", "Bob", "Enter");
        pane.WaitFor("Hello, Bob!");
        pane.ExitStatus().Should().Be(0, "the rebooted guest greets and halts as on its first boot");
    }

    [Fact]
    public void A_screenshot_into_a_folder_it_cannot_write_is_said_and_the_guest_runs_on()
    {
        // /proc takes no new files, not even from root.
        string demo = Path.Combine(RepoPaths.Root, "guest-images", "demos", "bootdemo.bin");
        using var pane = new TmuxPane(["boot", demo, "--console", "screen"], "/proc");
        pane.WaitFor("Your name?");

        pane.Tmux("send-keys", "C-a", "s");
        pane.WaitFor("screenshot: cannot write '/proc/emu-screen-");

        pane.Tmux("send-keys", "Ada", "Enter");
        pane.WaitFor("Hello, Ada!");
        pane.ExitStatus().Should().Be(0);
    }

    [Fact]
    public void Without_a_terminal_the_console_is_refused_in_one_line()
    {
        var r = EmuProcess.Run("boot", "guest-images/demos/bootdemo.bin", "--console", "screen");
        r.ShouldBeOneLineError(1, "--console needs a terminal");
    }
}
