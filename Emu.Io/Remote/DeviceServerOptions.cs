using Emu.Io.Storage;

namespace Emu.Io.Remote;

/// <summary>What a device process serves: one device model and its opened disks (in ATA channel order, or the one
/// virtio-blk disk), to <see cref="Guests"/> VMMs at once. With one guest the VMM gets every disk; with more, each
/// guest gets one disk of its own: its window of the one image (split into equal windows), or its own image.</summary>
public sealed class DeviceServerOptions
{
    /// <summary>Most VMMs a device server serves at once.</summary>
    public const int MaxGuests = 64;
    /// <summary>Windows start and end on 4 KiB boundaries, the page size a guest's disk is usually read in.</summary>
    public const long WindowAlignment = 4096;

    private IReadOnlyList<ServedDisk>[]? _guestDisks;

    public required RemoteDeviceKind Kind { get; init; }

    public required IReadOnlyList<(IBlockBackend Backend, DiskSpec Spec)> Disks { get; init; }

    /// <summary>VMMs served at once (1 to <see cref="MaxGuests"/>); each gets its own device model.</summary>
    public int Guests { get; init; } = 1;

    /// <summary>The assigned device's physical function: guest slot k gets its virtual function k.</summary>
    public Assigned.PhysicalFunction? Function { get; init; }

    /// <summary>ata0-master, ata0-slave, ata1-master, ata1-slave, or virtio-blk.</summary>
    public string DiskName(int index) => Kind switch
    {
        RemoteDeviceKind.VirtioBlock => "virtio-blk",
        RemoteDeviceKind.Assigned => "assigned",
        _ => $"ata{index / 2}-{(index % 2 == 0 ? "master" : "slave")}",
    };

    /// <summary>Whether each guest gets a window of one image (rather than the whole of one image each).</summary>
    public bool SplitsOneImage => Guests > 1 && Disks.Count == 1;

    /// <summary>A usage problem with the disks for this kind and number of guests, or null.</summary>
    public string? Check()
    {
        if (Guests is < 1 or > MaxGuests)
            return $"--guests must be between 1 and {MaxGuests} (got {Guests})";
        if (Kind == RemoteDeviceKind.Assigned)
        {
            if (Disks.Count != 1)
                return $"the assigned device takes one disk, which its virtual functions share (got {Disks.Count})";
            if (Guests > Assigned.PhysicalFunction.MaxFunctions)
                return $"the assigned device has at most {Assigned.PhysicalFunction.MaxFunctions} virtual functions (--guests {Guests})";
        }
        if (Guests > 1)
        {
            if (Disks.Count != 1 && Disks.Count != Guests)
                return $"with --guests {Guests} give one --disk (split into {Guests} windows) or {Guests} (one image per guest), not {Disks.Count}";
            if (SplitsOneImage && WindowBytes < WindowAlignment)
                return $"'{Disks[0].Spec.Path}' ({Disks[0].Backend.CapacityBytes:N0} bytes) is too small to split into {Guests} windows of at least 4 KiB";
            return null;
        }
        return Kind switch
        {
            RemoteDeviceKind.Ata when Disks.Count is < 1 or > 4 => $"the ata device takes 1 to 4 disks (got {Disks.Count})",
            RemoteDeviceKind.VirtioBlock when Disks.Count != 1 => $"the virtio-blk device takes one disk (got {Disks.Count})",
            _ => null,
        };
    }

    /// <summary>Bytes of each guest's window when one image is split: an equal share, rounded down to 4 KiB.</summary>
    public long WindowBytes => Disks[0].Backend.CapacityBytes / Guests / WindowAlignment * WindowAlignment;

    /// <summary>The disks guest <paramref name="slot"/> (0 to <see cref="Guests"/> - 1) sees, in channel order. Call
    /// after <see cref="Check"/> found nothing wrong.</summary>
    public IReadOnlyList<ServedDisk> DisksOf(int slot)
    {
        _guestDisks ??= Enumerable.Range(0, Guests).Select(GuestDisks).ToArray();
        return _guestDisks[slot];
    }

    private IReadOnlyList<ServedDisk> GuestDisks(int slot)
    {
        if (Guests == 1)
            return Disks.Select(d => new ServedDisk(d.Backend, d.Spec.Path, 0)).ToList();
        if (!SplitsOneImage)
            return [new ServedDisk(Disks[slot].Backend, Disks[slot].Spec.Path, 0)];
        var (image, spec) = Disks[0];
        long offset = slot * WindowBytes;
        return [new ServedDisk(new WindowBackend(image, offset, WindowBytes), spec.Path, offset)];
    }
}

/// <summary>One disk as one guest sees it: the backend it reads and writes (a window, or a whole image), the image's
/// path, and where in the image the guest's disk starts (0 for a whole image).</summary>
public sealed record ServedDisk(IBlockBackend Backend, string ImagePath, long Offset);
