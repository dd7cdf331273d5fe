using Emu.Hypervisor.Snapshots;
using Emu.Io.Storage;

namespace Emu.Hypervisor;

// Whole-machine snapshots (Snapshots/): taken and put back between instructions, for reverse execution and for
// users' snapshot files.
public sealed partial class VirtualMachine
{
    /// <summary>The older contents of the disks' written bytes, recorded from the first snapshot on.</summary>
    public DiskJournal DiskJournal { get; } = new();

    /// <summary>The machine's whole state now, between two instructions; its disks from now on are journaled.</summary>
    public MachineSnapshot TakeSnapshot()
    {
        RefuseRemoteDevice();
        // Captured with no decoded code and no watched pages: the cache is rebuilt from memory after a restore, and
        // the watchpoints are the debugger's (they stay as the user set them, whatever the snapshot's time).
        Cpu.FlushDecodeCache();
        Debugger?.Watchpoints.MarkPages(false);
        try
        {
            return new MachineSnapshot(this);
        }
        finally
        {
            Debugger?.Watchpoints.MarkPages(true);
        }
    }

    /// <summary>Puts the machine back in the state of <paramref name="snapshot"/> (taken on this machine): CPU,
    /// memory, devices, time, statistics, and the disks' bytes.</summary>
    public void Restore(MachineSnapshot snapshot)
    {
        DiskJournal.RewindTo(snapshot.DiskPosition);
        snapshot.WriteBack();
        Cpu.FlushDecodeCache();
        Debugger?.Watchpoints.MarkPages(true);
    }

    /// <summary>Writes the machine's state to <paramref name="output"/> in the snapshot file format (<see cref="SnapshotFile"/>).</summary>
    public void SaveSnapshot(Stream output)
    {
        RefuseRemoteDevice();
        Debugger?.Watchpoints.MarkPages(false);
        try
        {
            SnapshotFile.Save(this, output);
        }
        finally
        {
            Debugger?.Watchpoints.MarkPages(true);
        }
    }

    /// <summary>Puts the state saved in <paramref name="input"/> (named <paramref name="name"/> in messages) into this
    /// machine, which must be built from the same configuration; a <see cref="SnapshotException"/> says why not.</summary>
    public void LoadSnapshot(Stream input, string name)
    {
        RefuseRemoteDevice();
        SnapshotFile.Load(this, input, name);
        Cpu.FlushDecodeCache();
        Debugger?.Watchpoints.MarkPages(true);
        ObserveDevices(); // the loading run's trace, not the saving run's
    }

    private void RefuseRemoteDevice()
    {
        if (DeviceProcess is { } remote)
            throw new SnapshotException($"cannot snapshot a machine whose {remote.Kind} device runs in the device process at '{remote.SocketPath}' (its state is in that process)");
    }
}
