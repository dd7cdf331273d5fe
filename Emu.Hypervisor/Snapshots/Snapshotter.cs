using Emu.Io.Storage;

namespace Emu.Hypervisor.Snapshots;

/// <summary>
/// Whole-machine snapshots, taken and put back between instructions: in memory (<see cref="MachineSnapshot"/>, for
/// reverse execution) and in files (<see cref="SnapshotFile"/>, --save-snapshot and --load-snapshot). A snapshot is
/// the state of everything the machine reaches, so this one collaborator takes the whole machine.
/// </summary>
public sealed class Snapshotter
{
    private readonly VirtualMachine _machine;

    internal Snapshotter(VirtualMachine machine) => _machine = machine;

    /// <summary>The older contents of the disks' written bytes, recorded from the first snapshot on.</summary>
    public DiskJournal DiskJournal { get; } = new();

    /// <summary>The machine's whole state now, between two instructions; its disks from now on are journaled.</summary>
    public MachineSnapshot Take()
    {
        RefuseRemoteDevice();
        // Captured with no decoded code and no watched pages: the cache is rebuilt from memory after a restore, and
        // the watchpoints are the debugger's (they stay as the user set them, whatever the snapshot's time).
        _machine.Cpu.FlushDecodeCache();
        return WithoutWatchedPages(() => new MachineSnapshot(_machine, DiskJournal));
    }

    /// <summary>Puts the machine back in the state of <paramref name="snapshot"/> (taken on this machine): CPU,
    /// memory, devices, time, statistics, and the disks' bytes.</summary>
    public void Restore(MachineSnapshot snapshot)
    {
        DiskJournal.RewindTo(snapshot.DiskPosition);
        snapshot.WriteBack();
        Restored();
    }

    /// <summary>Writes the machine's state to <paramref name="output"/> in the snapshot file format (<see cref="SnapshotFile"/>).</summary>
    public void Save(Stream output)
    {
        RefuseRemoteDevice();
        WithoutWatchedPages(() => SnapshotFile.Save(_machine, output));
    }

    /// <summary>Puts the state saved in <paramref name="input"/> (named <paramref name="name"/> in messages) into this
    /// machine, which must be built from the same configuration; a <see cref="SnapshotException"/> says why not.</summary>
    public void Load(Stream input, string name)
    {
        RefuseRemoteDevice();
        SnapshotFile.Load(_machine, input, name);
        Restored();
        _machine.ObserveDevices(); // the loading run's trace, not the saving run's
    }

    // The decoded-code cache is a function of guest memory, and the watched pages are the debugger's: both are made
    // again for the state now in memory.
    private void Restored()
    {
        _machine.Cpu.FlushDecodeCache();
        _machine.Debugger?.Watchpoints.MarkPages(true);
    }

    private T WithoutWatchedPages<T>(Func<T> capture)
    {
        _machine.Debugger?.Watchpoints.MarkPages(false);
        try
        {
            return capture();
        }
        finally
        {
            _machine.Debugger?.Watchpoints.MarkPages(true);
        }
    }

    private void WithoutWatchedPages(Action capture) => WithoutWatchedPages(() =>
    {
        capture();
        return 0;
    });

    private void RefuseRemoteDevice()
    {
        if (_machine.DeviceProcess is { } remote)
            throw new SnapshotException($"cannot snapshot a machine whose {remote.Kind} device runs in the device process at '{remote.SocketPath}' (its state is in that process)");
    }
}
