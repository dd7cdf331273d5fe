using Emu.Cpu;

namespace Emu.Hypervisor;

/// <summary>
/// The first machine a process builds and runs costs about 20 ms of CPU more than the next one, and two parts of it
/// need no machine at all: Iced's decoder tables with the handler table (about 10 ms), and JIT-compiling the run loop
/// and the exit path at full optimisation, which ReadyToRun cannot precompile. <see cref="Start"/> does those on the
/// other core while the main thread starts the console, reads the command line and builds its machine, which then
/// finds them done (or waits for the part in progress, which costs no more than doing it). It builds no machine of
/// its own: a second machine built at the same time as the run's only made both threads wait on the same type loads
/// (docs/PERFORMANCE.md, start-up).
/// </summary>
public static class MachineWarmUp
{
    private static int _started;

    /// <summary>Starts the warm-up once per process, on a background thread: the process never waits for it.</summary>
    public static void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
            new Thread(Prepare) { IsBackground = true, Name = "machine warm-up" }.Start();
    }

    private static void Prepare()
    {
        // It only saves time: whatever fails here fails again, and is reported, when the run builds its machine.
        try
        {
            Processor.PrepareFirstUse();
            ExitDispatcher.PrepareFirstUse();
        }
        catch (Exception)
        {
        }
    }
}
