using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// emu in a real terminal: a 100x30 tmux pane on a tmux server of its own, typed into with send-keys and
/// read with capture-pane, as a person would use it. When emu ends, the shell writes its exit status to a
/// file and prints EMU-ENDED; the pane stays so what emu left on the screen can still be read.
/// </summary>
internal sealed class TmuxPane : IDisposable
{
    private readonly string _socket = $"emu-test-{Guid.NewGuid():N}";
    private readonly string _dir = Directory.CreateTempSubdirectory("emu-tmux-").FullName;

    public TmuxPane(params string[] emuArgs) : this(emuArgs, RepoPaths.Root)
    {
    }

    /// <summary>emu started in <paramref name="workingDirectory"/> instead of the repository root.</summary>
    public TmuxPane(string[] emuArgs, string workingDirectory)
    {
        string emu = $"dotnet {Path.Combine(AppContext.BaseDirectory, "emu.dll")} {string.Join(' ', emuArgs)}";
        Tmux("new-session", "-d", "-x", "100", "-y", "30", "-c", workingDirectory,
            $"{emu}; echo $? > {_dir}/status; echo EMU-ENDED; sleep 600");
    }

    public void Dispose()
    {
        Tmux("kill-server");
        Directory.Delete(_dir, recursive: true);
    }

    public string Tmux(params string[] args)
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

    public string Screen() => Tmux("capture-pane", "-p");

    public string WaitFor(string text) => WaitFor(screen => screen.Contains(text, StringComparison.Ordinal), $"'{text}'");

    /// <summary>Waits (up to a minute) until the pane shows what <paramref name="shows"/> accepts; returns that screen.</summary>
    public string WaitFor(Func<string, bool> shows, string what)
    {
        var clock = Stopwatch.StartNew();
        string screen;
        while (!shows(screen = Screen()))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"{what} never appeared; the pane shows:\n{screen}");
            Thread.Sleep(100);
        }
        return screen;
    }

    /// <summary>The emu process: the child of the pane's shell.</summary>
    public int EmuProcessId()
    {
        int shell = int.Parse(Tmux("display-message", "-p", "#{pane_pid}").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        string children = File.ReadAllText($"/proc/{shell}/task/{shell}/children").Trim();
        return int.Parse(children.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public int ExitStatus()
    {
        WaitFor("EMU-ENDED");
        return int.Parse(File.ReadAllText(Path.Combine(_dir, "status")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
