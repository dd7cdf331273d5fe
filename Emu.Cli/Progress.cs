namespace Emu.Cli;

/// <summary>
/// One line of progress on stderr ("[12/40] guest-images/tests/pio.asm"), rewritten in place, for work that
/// takes more than a moment. Only when stderr is a terminal: pipes and CI logs get nothing from it. Thread-safe.
/// </summary>
internal sealed class Progress : IDisposable
{
    private readonly bool _shown = !Console.IsErrorRedirected;
    private readonly Lock _lock = new();
    private bool _dirty;

    public void Report(string line)
    {
        if (!_shown)
            return;
        lock (_lock)
        {
            int width = Math.Max(20, SafeWidth() - 1);
            Console.Error.Write("\r\e[K" + (line.Length > width ? line[..width] : line));
            _dirty = true;
        }
    }

    /// <summary>Wipes the progress line, so what is printed next starts on a clean line.</summary>
    public void Clear()
    {
        if (!_shown)
            return;
        lock (_lock)
        {
            if (_dirty)
                Console.Error.Write("\r\e[K");
            _dirty = false;
        }
    }

    public void Dispose() => Clear();

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
