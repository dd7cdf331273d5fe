using System.Diagnostics;
using Emu.Hypervisor;

namespace Emu.Cli.Terminal;

/// <summary>
/// --progress: while the guest runs, one line on stderr (only when it is a terminal) with the host time so
/// far, the instructions retired, the speed and the VM exits, rewritten twice a second.
/// </summary>
internal sealed class RunProgress(VirtualMachine vm) : IRunHost, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly Progress _line = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _next = Interval;

    public bool QuitRequested => false;

    public void Poll()
    {
        var now = _clock.Elapsed;
        if (now < _next)
            return;
        _next = now + Interval;
        long retired = vm.Cpu.Retired;
        _line.Report($"emu: {now.TotalSeconds:0.0} s, {retired:N0} instructions ({retired / now.TotalSeconds / 1e6:0.0} MIPS), {vm.Stats.TotalExits:N0} exits, at {vm.Cpu.CS:X4}:{vm.Cpu.IP:X4}");
    }

    public void Dispose() => _line.Dispose();
}
