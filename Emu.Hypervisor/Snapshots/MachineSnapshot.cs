using Emu.Hypervisor.Debugging;
using Emu.Hypervisor.Statistics;
using Emu.Hypervisor.Tracing;
using Emu.Io.Storage;
using Emu.Memory;

namespace Emu.Hypervisor.Snapshots;

/// <summary>
/// The whole state of a machine at an instruction boundary, in memory: the CPU (registers, lazy flags, the
/// interrupt line and shadow, retired instructions), guest memory and its page map, every device (the platform's
/// and the declared ones, with their queues, timers and pending interrupts), the firmware services, virtual time,
/// the exit statistics, and the disks as a position in the machine's <see cref="DiskJournal"/>. Taken and put back
/// by <see cref="Snapshotter.Take"/> and <see cref="Snapshotter.Restore"/>.
/// </summary>
/// <remarks>
/// The state is every field of every object the machine reaches (<see cref="ObjectGraphSnapshot"/>), so a field a
/// device gains later is covered without anyone listing it. What belongs to the host rather than to the machine is
/// left out by design (<see cref="IsHostSide"/>): output streams, the trace, the layer accounting, the debugger and
/// its front end (with the run loop's debugging and reverse execution), the disk journal and the snapshots
/// themselves, and the CPU's decoded-instruction cache, which is flushed instead (it is
/// a function of guest memory, and the code marks it leaves in memory are empty in a snapshot).
/// </remarks>
public sealed class MachineSnapshot
{
    private readonly ObjectGraphSnapshot _state;

    internal MachineSnapshot(VirtualMachine vm, DiskJournal journal)
    {
        _state = new ObjectGraphSnapshot(vm, IsHostSide);
        Retired = vm.Cpu.Retired;
        NowNs = vm.NowNs;
        DiskPosition = journal.StartRecording();
    }

    /// <summary>Instructions the machine had retired: where in the run this snapshot lies.</summary>
    public long Retired { get; }

    /// <summary>Virtual time at the snapshot.</summary>
    public long NowNs { get; }

    /// <summary>The disk journal's position at the snapshot.</summary>
    internal long DiskPosition { get; }

    /// <summary>Host memory the snapshot holds: guest RAM and the other large arrays dominate.</summary>
    public long Bytes => _state.Size.LargeBytes;

    internal void WriteBack() => _state.Restore();

    /// <summary>What a snapshot leaves alone: the host's side of the machine.</summary>
    internal static bool IsHostSide(object o) =>
        o is Stream or TextWriter or Tracer or GuestLayers or MachineDebugger or Breakpoints or Watchpoints or IDebugFrontEnd
            or IRunHost or DiskJournal or ICodeWriteObserver or SnapshotHistory or MachineSnapshot or Snapshotter
            or DebuggedRun or ReverseExecution;
}

/// <summary>A snapshot cannot be taken or put back; the message is one line for the user.</summary>
public sealed class SnapshotException(string message) : Exception(message);
