using Emu.Io.Storage;

namespace Emu.Hypervisor.Firmware;

/// <summary>A disk as INT 13h sees it: its BIOS number, its backend and the CHS geometry the BIOS reports.</summary>
public sealed class BiosDrive
{
    private BiosDrive(byte number, IBlockBackend backend, int cylinders, int heads, int sectors, byte floppyType)
    {
        Number = number;
        Backend = backend;
        Cylinders = cylinders;
        Heads = heads;
        SectorsPerTrack = sectors;
        FloppyType = floppyType;
    }

    public byte Number { get; }
    public IBlockBackend Backend { get; }
    public bool IsFloppy => Number < 0x80;
    public int Cylinders { get; }
    public int Heads { get; }
    public int SectorsPerTrack { get; }
    /// <summary>The CMOS/INT 13h AH=08h drive type: 1 = 360K, 2 = 1.2M, 3 = 720K, 4 = 1.44M, 5 = 2.88M; 0 for hard disks.</summary>
    public byte FloppyType { get; }

    // bytes -> cylinders, heads, sectors per track, drive type
    private static readonly (long Bytes, int C, int H, int S, byte Type)[] FloppyFormats =
    [
        (160 * 1024, 40, 1, 8, 1),
        (180 * 1024, 40, 1, 9, 1),
        (320 * 1024, 40, 2, 8, 1),
        (360 * 1024, 40, 2, 9, 1),
        (720 * 1024, 80, 2, 9, 3),
        (1200 * 1024, 80, 2, 15, 2),
        (1440 * 1024, 80, 2, 18, 4),
        (1680 * 1024, 80, 2, 21, 4), // DMF
        (2880 * 1024, 80, 2, 36, 5),
    ];

    /// <summary>True when an image of this many bytes is one of the PC floppy formats (160K to 2.88M).</summary>
    public static bool IsFloppySize(long bytes) => FloppyFormats.Any(f => f.Bytes == bytes);

    /// <summary>Drive 00h with the geometry its size gives; throws <see cref="ArgumentException"/> for other sizes.</summary>
    public static BiosDrive Floppy(IBlockBackend backend)
    {
        foreach (var f in FloppyFormats)
        {
            if (f.Bytes == backend.CapacityBytes)
                return new BiosDrive(0x00, backend, f.C, f.H, f.S, f.Type);
        }
        throw new ArgumentException($"a floppy image must be 160, 180, 320, 360, 720, 1200, 1440, 1680 or 2880 KiB, not {backend.CapacityBytes:N0} bytes");
    }

    /// <summary>The drives INT 13h serves: the floppy (00h) first, then the machine's hard disks, numbered 80h, 81h...
    /// in channel order.</summary>
    public static IReadOnlyList<BiosDrive> All(IBlockBackend? floppy, IEnumerable<IBlockBackend> hardDisks)
    {
        var drives = new List<BiosDrive>();
        if (floppy is not null)
            drives.Add(Floppy(floppy));
        drives.AddRange(hardDisks.Select(HardDisk));
        return drives;
    }

    /// <summary>Hard disk 80h + index with the usual translated geometry: 16 heads, 63 sectors a track,
    /// as many whole cylinders as fit (at least 1, at most 1024); LBA calls reach every sector.</summary>
    public static BiosDrive HardDisk(IBlockBackend backend, int index)
    {
        const int Heads = 16, Sectors = 63;
        long cylinders = Math.Clamp(backend.SectorCount / (Heads * Sectors), 1, 1024);
        return new BiosDrive((byte)(0x80 + index), backend, (int)cylinders, Heads, Sectors, 0);
    }
}
