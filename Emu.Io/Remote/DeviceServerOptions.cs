using Emu.Io.Storage;

namespace Emu.Io.Remote;

/// <summary>What a device process serves: one device model and its opened disks (in ATA channel order,
/// or the one virtio-blk disk).</summary>
public sealed class DeviceServerOptions
{
    public required RemoteDeviceKind Kind { get; init; }

    public required IReadOnlyList<(IBlockBackend Backend, DiskSpec Spec)> Disks { get; init; }

    /// <summary>The assigned device's physical function (its VFs are shared out among the VMMs that connect).</summary>
    public Assigned.PhysicalFunction? Function { get; init; }

    /// <summary>Whether several VMMs are served at once (each gets its own VF); else one at a time.</summary>
    public bool Shared => Kind == RemoteDeviceKind.Assigned;

    /// <summary>ata0-master, ata0-slave, ata1-master, ata1-slave, or virtio-blk.</summary>
    public string DiskName(int index) => Kind switch
    {
        RemoteDeviceKind.VirtioBlock => "virtio-blk",
        RemoteDeviceKind.Assigned => "assigned",
        _ => $"ata{index / 2}-{(index % 2 == 0 ? "master" : "slave")}",
    };

    /// <summary>A usage problem with the disks for this kind, or null.</summary>
    public string? Check() => Kind switch
    {
        RemoteDeviceKind.Ata when Disks.Count is < 1 or > 4 => $"the ata device takes 1 to 4 disks (got {Disks.Count})",
        RemoteDeviceKind.VirtioBlock when Disks.Count != 1 => $"the virtio-blk device takes one disk (got {Disks.Count})",
        RemoteDeviceKind.Assigned when Disks.Count != 1 => $"the assigned device takes one disk, which its virtual functions share (got {Disks.Count})",
        _ => null,
    };
}
