using Emu.Io.Storage;
using Emu.Memory;

namespace Emu.Io.Assigned;

/// <summary>
/// The physical function of an SR-IOV-shaped block device: it owns the backing image, creates the virtual functions
/// (their number and each one's LBA window: the image split into equal windows), hands one to each VMM that attaches
/// and takes it back when the VMM goes away, and runs the device's worker thread. The worker watches every assigned
/// VF's register page (its doorbell is a store into shared memory, not a message) and serves each VF at most a
/// queue's worth of requests per pass, so a VF whose guest floods it cannot starve the others.
/// </summary>
public sealed class PhysicalFunction : IDisposable
{
    /// <summary>How long the worker keeps spinning after its last work, then yielding its core between passes, before
    /// it sleeps between them: a doorbell seen while spinning costs no wake-up, one seen while yielding costs a turn of
    /// the scheduler (what a busy host gives), and an idle device costs no CPU.</summary>
    private const long SpinMs = 2, YieldMs = 50;

    private readonly object _gate = new();
    private readonly VirtualFunction[] _functions;
    private readonly Thread _worker;
    private volatile bool _stopping;

    public const int MaxFunctions = 8;

    public PhysicalFunction(IBlockBackend backend, int functions)
    {
        if (functions is < 1 or > MaxFunctions)
            throw new ArgumentOutOfRangeException(nameof(functions), $"{functions} virtual functions (1 to 8)");
        Backend = backend;
        Memory = new HostPhysicalMemory(functions);
        long window = backend.SectorCount / functions;
        _functions = [.. Enumerable.Range(0, functions).Select(i => new VirtualFunction(this, i, i * window, window))];
        _worker = new Thread(Work) { IsBackground = true, Name = "assigned-device" };
        _worker.Start();
    }

    public IBlockBackend Backend { get; }

    /// <summary>The host-physical address space the VFs' DMA reaches through their IOMMU domains.</summary>
    public HostPhysicalMemory Memory { get; }

    public IReadOnlyList<VirtualFunction> Functions => _functions;

    /// <summary>Assigns VF <paramref name="number"/> (the device server's guest slot: one VMM at a time holds it) to
    /// the guest whose RAM is <paramref name="store"/>.</summary>
    public VirtualFunction Attach(int number, GuestRamStore store)
    {
        lock (_gate)
        {
            var vf = _functions[number];
            if (vf.Assigned)
                throw new InvalidOperationException($"{vf.Name} is assigned already");
            vf.Attach(store);
            return vf;
        }
    }

    /// <summary>Takes the VF back (its guest went away): no DMA reaches that guest's memory after this returns.</summary>
    public void Detach(VirtualFunction vf)
    {
        lock (_gate)
            vf.Detach();
        Backend.Flush();
    }

    /// <summary>Runs <paramref name="action"/> on a VF with the worker held off (IOMMU programming, reset, tracing).</summary>
    public void Program(VirtualFunction vf, Action<VirtualFunction> action)
    {
        lock (_gate)
            action(vf);
    }

    private void Work()
    {
        var scratch = new byte[VfLayout.MaxSectors * VfLayout.SectorSize];
        long lastWork = Environment.TickCount64;
        while (!_stopping)
        {
            bool worked = false;
            lock (_gate)
            {
                foreach (var vf in _functions)
                    worked |= vf.Service(scratch);
            }
            if (worked)
                lastWork = Environment.TickCount64;
            else if (Environment.TickCount64 - lastWork < SpinMs)
                Thread.SpinWait(20);
            else if (Environment.TickCount64 - lastWork < YieldMs)
                Thread.Yield();
            else
                Thread.Sleep(1);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _worker.Join();
    }
}
