using System.Diagnostics;
using Emu.Hypervisor;

namespace Emu.Cli.Terminal;

/// <summary>Where --console sends the terminal: the VGA text screen and the keyboard, or COM1.</summary>
public enum ConsoleKind
{
    /// <summary>The text screen drawn in the terminal, keys typed on the PC keyboard (QEMU's -display curses).</summary>
    Screen,
    /// <summary>COM1 on the terminal: its output printed, keys sent to its receiver (QEMU's -nographic).</summary>
    Serial,
}

/// <summary>
/// The live console (--console): the terminal becomes the machine's screen and keyboard while the guest
/// runs. The run loop calls <see cref="Poll"/> between slices and while the guest waits; keys are read
/// without blocking, so the guest never waits for the terminal. Ctrl-A starts a console command, as in
/// QEMU: x quits, r resets the machine (it boots again), s writes a screenshot, t shows the exit statistics,
/// h lists them, Ctrl-A sends Ctrl-A.
/// </summary>
internal sealed class LiveConsole : IRunHost, IDisposable
{
    public const char Escape = '\x01'; // Ctrl-A
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(33);

    private readonly VirtualMachine _vm;
    private readonly ConsoleKind _kind;
    private readonly TerminalScreen? _screen;
    private readonly List<byte> _scancodes = [];
    private readonly Stopwatch _sinceFrame = new();
    private bool _commandNext, _open, _resetRequested;
    private int _screenshots;

    public LiveConsole(VirtualMachine vm, ConsoleKind kind)
    {
        _vm = vm;
        _kind = kind;
        if (kind == ConsoleKind.Screen)
            _screen = new TerminalScreen(System.Console.Out);
    }

    /// <summary>Set by Ctrl-A x.</summary>
    public bool QuitRequested { get; private set; }

    /// <summary>Ctrl-A r, once: the run loop resets the machine between slices.</summary>
    public bool TakeResetRequest()
    {
        bool requested = _resetRequested;
        _resetRequested = false;
        return requested;
    }

    public void Open()
    {
        if (System.Console.IsInputRedirected || System.Console.IsOutputRedirected)
            throw new UserError("--console needs a terminal on stdin and stdout (run it in a terminal, or use --keys and --screen)");
        System.Console.TreatControlCAsInput = true; // Ctrl-C is a key for the guest; Ctrl-A x quits
        _screen?.Open();
        _open = true;
        _screen?.Say("emu: Ctrl-A h for console commands");
        Redraw();
    }

    /// <summary>Takes the keys typed since the last call and redraws the screen if a frame is due.</summary>
    public void Poll()
    {
        if (!_open)
            return;
        while (System.Console.KeyAvailable)
            Handle(System.Console.ReadKey(intercept: true));
        if (_sinceFrame.Elapsed >= FrameInterval)
            Redraw();
    }

    private void Handle(ConsoleKeyInfo key)
    {
        if (_commandNext)
        {
            _commandNext = false;
            if (key.KeyChar != Escape)
            {
                Command(char.ToLowerInvariant(key.KeyChar));
                return;
            }
        }
        else if (key.KeyChar == Escape)
        {
            _commandNext = true;
            return;
        }
        Send(key);
    }

    private void Send(ConsoleKeyInfo key)
    {
        if (_kind == ConsoleKind.Serial)
        {
            _vm.Com1.EnqueueInput(SerialBytes(key));
            return;
        }
        _scancodes.Clear();
        if (KeyTranslator.TryTranslate(key, _scancodes))
            _vm.Platform.Keyboard.EnqueueScancodes(_scancodes.ToArray());
    }

    // What a VT100-style terminal sends down a serial line for the key.
    private static byte[] SerialBytes(ConsoleKeyInfo key) => key.Key switch
    {
        ConsoleKey.Enter => [(byte)'\r'],
        ConsoleKey.Backspace => [0x7F],
        ConsoleKey.UpArrow => "\e[A"u8.ToArray(),
        ConsoleKey.DownArrow => "\e[B"u8.ToArray(),
        ConsoleKey.RightArrow => "\e[C"u8.ToArray(),
        ConsoleKey.LeftArrow => "\e[D"u8.ToArray(),
        _ => key.KeyChar is > '\0' and < '\x80' ? [(byte)key.KeyChar] : [],
    };

    private void Command(char command)
    {
        switch (command)
        {
            case 'x':
                QuitRequested = true;
                break;
            case 'r':
                _resetRequested = true;
                Say("emu: reset");
                break;
            case 's':
                Screenshot($"emu-screen-{Environment.ProcessId}-{++_screenshots}.png");
                break;
            case 't':
                var stats = _vm.Stats;
                Say($"emu: {_vm.Cpu.Retired:N0} instructions, {stats.TotalExits:N0} exits ({stats.CountOf(Emu.Cpu.ExitReason.Io):N0} io, {stats.CountOf(Emu.Cpu.ExitReason.Mmio):N0} mmio), {_vm.Cpu.InterruptsDelivered:N0} interrupts");
                break;
            default:
                Say("emu: Ctrl-A then: x quit, r reset, s screenshot, t statistics, h this help, Ctrl-A send Ctrl-A");
                break;
        }
    }

    // Into the current folder; a folder it cannot write is said on the message line, and the guest runs on.
    private void Screenshot(string file)
    {
        if (_vm.Display.Mode.Kind == ScreenKind.Unsupported)
        {
            Say($"emu: video mode {_vm.Display.Mode.Description} cannot be drawn");
            return;
        }
        try
        {
            using var png = new FileStream(file, FileMode.Create, FileAccess.Write);
            _vm.Display.TryWritePng(png);
            Say($"emu: screenshot written to {file}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Say($"emu: screenshot: cannot write '{Path.GetFullPath(file)}': {ErrorWords.Of(e)}");
        }
    }

    private void Say(string message)
    {
        if (_screen is not null)
            _screen.Say(message);
        else
            System.Console.Error.Write($"\r\n{message}\r\n");
    }

    private void Redraw()
    {
        _sinceFrame.Restart();
        if (_screen is null)
            return;
        var cells = _vm.Display.TextCells(out var mode);
        if (mode.Kind == ScreenKind.Text)
            _screen.Draw(cells, mode.Columns, mode.Rows, mode.Cursor);
        else
            _screen.Blank($"emu: video mode {mode.Description} cannot be drawn in a terminal; Ctrl-A s writes a screenshot");
    }

    /// <summary>Gives the terminal back as it was, however the run ended, and leaves the guest's last screen
    /// in it (the console drew on the terminal's alternate screen, which goes away).</summary>
    public void Dispose()
    {
        if (!_open)
            return;
        _open = false;
        _screen?.Close();
        System.Console.TreatControlCAsInput = false;
        if (_screen is not null)
        {
            var lines = _vm.Display.TextLines();
            int used = lines.Count;
            while (used > 0 && lines[used - 1].Length == 0)
                used--;
            foreach (var line in lines.Take(used))
                System.Console.Out.WriteLine(line);
            System.Console.Out.Flush();
        }
    }
}
