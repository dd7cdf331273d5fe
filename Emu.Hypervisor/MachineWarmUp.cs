using Emu.Hypervisor.Loader;

namespace Emu.Hypervisor;

/// <summary>
/// The first machine a process builds and runs costs about 20 ms of CPU more than the next one: loading emu's
/// assemblies and Iced, binding their precompiled code, the static tables (Iced's decoder, the handler table),
/// JIT-compiling the run loop at full optimisation and the generic code ReadyToRun cannot hold. Almost none of it is
/// the machine's own work: a second machine is built in under 1 ms. <see cref="Start"/> does that first-time work on
/// the other core while the main thread starts the console and reads the command line: it builds a bare machine of
/// its own and runs a few instructions on it, so the run's machine finds the work done (or waits for the part in
/// progress, which costs no more than doing it).
/// </summary>
public static class MachineWarmUp
{
    // Enough to enter the run loop and decode and execute through the handler table: a port read and write, then the
    // zeroed memory after them, ADD [BX+SI],AL all the way.
    private const long Instructions = 100;

    // IN AL, 80h; OUT 80h, AL: the exit path's entry points are compiled fully at their first call
    // ([AggressiveOptimization] in ExitDispatcher), which is then made here rather than in the run's POST.
    private static readonly byte[] PortExits = [0xE4, 0x80, 0xE6, 0x80];

    private static int _started;

    /// <summary>Starts the warm-up once per process, on a background thread: the process never waits for it.</summary>
    public static void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
            new Thread(Rehearse) { IsBackground = true, Name = "machine warm-up" }.Start();
    }

    private static void Rehearse()
    {
        // It only saves time: whatever fails here fails again, and is reported, when the run builds its own machine.
        try
        {
            using var machine = new VirtualMachine(new MachineConfig());
            FlatBinaryLoader.Load(machine.Memory, PortExits, SegmentedAddress.BootSector);
            BareStart.Prepare(machine, SegmentedAddress.BootSector);
            machine.Run(new RunLimits { MaxInstructions = Instructions });
        }
        catch (Exception)
        {
        }
    }
}
