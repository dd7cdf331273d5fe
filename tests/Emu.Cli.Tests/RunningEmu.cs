using System.Diagnostics;

namespace Emu.Cli.Tests;

/// <summary>A real emu process left running, whose stdout a test reads line by line (to act at a given moment:
/// kill it, kill its peer) and whose stderr is collected.</summary>
internal sealed class RunningEmu : IDisposable
{
    private readonly List<string> _lines = [];
    private readonly Task _reader;
    private readonly object _gate = new();

    public RunningEmu(params string[] args)
    {
        Process = Process.Start(EmuProcess.StartInfo(args))!;
        Process.StandardInput.Close();
        Stderr = Process.StandardError.ReadToEndAsync();
        _reader = Task.Run(() =>
        {
            while (Process.StandardOutput.ReadLine() is { } line)
            {
                lock (_gate)
                    _lines.Add(line);
            }
        });
    }

    public Process Process { get; }
    public Task<string> Stderr { get; }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
                return [.. _lines];
        }
    }

    /// <summary>Waits until a stdout line satisfies <paramref name="match"/>; fails the test after 60 s.</summary>
    public string WaitForLine(Func<string, bool> match, string what)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (Lines.FirstOrDefault(match) is { } line)
                return line;
            if (Process.HasExited && _reader.IsCompleted)
                break;
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException($"emu never printed {what}; it printed: {string.Join(" | ", Lines)}; exited: {Process.HasExited}");
    }

    /// <summary>Waits for the exit (30 s at most) and returns the status.</summary>
    public int WaitForExit()
    {
        if (!Process.WaitForExit(30_000))
        {
            Process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException("emu did not stop");
        }
        _reader.Wait(5000);
        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
            Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
