using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// The live console as a person uses it: emu runs in a real terminal (a tmux pane of its own server),
/// keys are typed with send-keys and the screen is read with capture-pane.
/// </summary>
public sealed class LiveConsoleTests : IDisposable
{
    private readonly string _socket = $"emu-test-{Guid.NewGuid():N}";
    private readonly string _dir = Directory.CreateTempSubdirectory("emu-console-").FullName;

    public void Dispose()
    {
        Tmux("kill-server");
        Directory.Delete(_dir, recursive: true);
    }

    private string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(_socket);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    // emu in a 100x30 pane; when it ends the shell writes its exit status to a file and the pane stays.
    private void Start(params string[] emuArgs)
    {
        string emu = $"dotnet {Path.Combine(AppContext.BaseDirectory, "emu.dll")} {string.Join(' ', emuArgs)}";
        Tmux("new-session", "-d", "-x", "100", "-y", "30", "-c", RepoPaths.Root,
            $"{emu}; echo $? > {_dir}/status; echo EMU-ENDED; sleep 600");
    }

    private string Screen() => Tmux("capture-pane", "-p");

    private string WaitFor(string text)
    {
        var clock = Stopwatch.StartNew();
        string screen;
        while (!(screen = Screen()).Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"'{text}' never appeared; the pane shows:\n{screen}");
            Thread.Sleep(100);
        }
        return screen;
    }

    private int ExitStatus()
    {
        WaitFor("EMU-ENDED");
        return int.Parse(File.ReadAllText(Path.Combine(_dir, "status")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Typing_into_the_shipped_boot_demo_shows_its_answer_on_the_screen()
    {
        Start("boot", "guest-images/demos/bootdemo.bin", "--console", "screen");
        WaitFor("Your name?");

        Tmux("send-keys", "Tmux", "Enter");

        var screen = WaitFor("Hello, Tmux!");
        screen.Should().Contain("Emu boot demo: INT 10h, 16h and 1Ah from the BIOS");
        ExitStatus().Should().Be(0, "the demo halts with interrupts off after greeting");
    }

    [Fact]
    public void Editing_keys_reach_the_guest_as_a_keyboard_sends_them()
    {
        Start("boot", "guest-images/demos/bootdemo.bin", "--console", "screen");
        WaitFor("Your name?");

        Tmux("send-keys", "abx", "BSpace", "c", "Enter");

        WaitFor("Hello, abc!");
    }

    [Fact]
    public void Console_commands_take_a_screenshot_and_quit_and_the_terminal_is_given_back()
    {
        Start("boot", "guest-images/demos/bootdemo.bin", "--console", "screen");
        WaitFor("Your name?");

        Tmux("send-keys", "C-a", "s");
        var screen = WaitFor("screenshot written to ");
        string file = screen.Split("screenshot written to ")[1].Split('\n')[0].Trim();
        var shot = PngPixels.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Root, file)));
        File.Delete(Path.Combine(RepoPaths.Root, file));
        (shot.Width, shot.Height).Should().Be((640, 400));

        Tmux("display-message", "-p", "#{alternate_on}").Trim().Should().Be("1", "the console draws on the alternate screen");
        Tmux("send-keys", "C-a", "x");
        ExitStatus().Should().Be(0, "quitting from the console is not an error");
        Tmux("display-message", "-p", "#{alternate_on} #{cursor_flag}").Trim().Should().Be("0 1", "the terminal is back on its normal screen with the cursor shown");
        Screen().Should().Contain("Your name?", "the guest's last screen stays in the terminal");
    }

    [Fact]
    public void Without_a_terminal_the_console_is_refused_in_one_line()
    {
        var r = EmuProcess.Run("boot", "guest-images/demos/bootdemo.bin", "--console", "screen");
        r.ShouldBeOneLineError(1, "--console needs a terminal");
    }
}
