using System.Buffers.Binary;
using Emu.Io.Storage;

namespace Emu.Io.Ata;

/// <summary>What an ATA disk reports about itself.</summary>
public sealed record AtaDriveOptions
{
    /// <summary>IDENTIFY words 27-46 (40 characters at most).</summary>
    public string Model { get; init; } = "EMU HARDDISK";
    /// <summary>IDENTIFY words 10-19 (20 characters at most); null derives one from <see cref="ImageName"/> and the size.</summary>
    public string? Serial { get; init; }
    /// <summary>IDENTIFY words 23-26 (8 characters at most).</summary>
    public string Firmware { get; init; } = "1.0";
    /// <summary>The image's file name, used only to derive a stable serial number.</summary>
    public string ImageName { get; init; } = "";
}

/// <summary>
/// One ATA hard disk on a channel: its own copy of the task-file registers (writes land in both
/// devices' copies; DEV only chooses which one answers), its status and error, and the state of the
/// command in progress. The channel runs the protocol; the drive holds the state and answers IDENTIFY.
/// </summary>
public sealed class AtaDrive
{
    public const int SectorSize = 512;
    /// <summary>Largest READ/WRITE MULTIPLE block (IDENTIFY word 47), also the size of the data buffer.</summary>
    public const int MaxMultiple = 16;
    public const int DefaultHeads = 16;
    public const int DefaultSectorsPerTrack = 63;
    public const int MaxCylinders = 16383;
    public const long MaxLba28 = 0x0FFF_FFFF;

    internal enum TransferKind : byte { None, PioIn, PioOut, DmaIn, DmaOut }

    public AtaDrive(IBlockBackend backend, AtaDriveOptions? options = null)
    {
        Backend = backend;
        Options = options ?? new AtaDriveOptions();
        Serial = Options.Serial ?? DeriveSerial(Options.ImageName, backend.CapacityBytes);
        SectorCount = backend.SectorCount;
        Cylinders = (int)Math.Clamp(SectorCount / (DefaultHeads * DefaultSectorsPerTrack), 1, MaxCylinders);
        PowerOnReset();
    }

    public IBlockBackend Backend { get; }
    public AtaDriveOptions Options { get; }
    public string Serial { get; }
    /// <summary>Disk size in 512-byte sectors.</summary>
    public long SectorCount { get; }
    /// <summary>Default CHS geometry (IDENTIFY words 1/3/6): 16 heads, 63 sectors, cylinders clamped to 16383.</summary>
    public int Cylinders { get; }
    public int Heads => DefaultHeads;
    public int SectorsPerTrack => DefaultSectorsPerTrack;

    // ---- task-file copy (HOB = the previous value, for LBA48) ----
    internal byte Feature, HobFeature, Count, HobCount, LbaLow, HobLbaLow, LbaMid, HobLbaMid, LbaHigh, HobLbaHigh;
    internal byte DeviceReg;
    internal byte Status;
    internal byte Error;
    /// <summary>The device's interrupt is pending (it drives INTRQ when selected and nIEN = 0).</summary>
    internal bool IntrqPending;

    // ---- settings changed by commands ----
    /// <summary>Current READ/WRITE MULTIPLE block size; 0 = multiple mode off.</summary>
    public int MultipleCount { get; internal set; }
    /// <summary>Current CHS translation set by INITIALIZE DEVICE PARAMETERS.</summary>
    public int CurrentHeads { get; internal set; }
    public int CurrentSectorsPerTrack { get; internal set; }
    public bool WriteCacheEnabled { get; internal set; }
    /// <summary>True after STANDBY (IMMEDIATE) until the next media access (CHECK POWER MODE reports 00).</summary>
    public bool Standby { get; internal set; }
    // IDENTIFY words 62, 63, 88: supported modes in the low byte, the active one in the high byte.
    internal ushort SingleWordDma, MultiWordDma, UltraDma;

    // ---- the command in progress ----
    internal TransferKind Transfer;
    internal byte Command;
    internal bool Lba48;
    internal bool ChsAddressing;
    internal long NextLba;
    internal long SectorsLeft;
    internal int BlockSectors;
    /// <summary>PIO block buffer, also the staging buffer for DMA chunks; every index is checked against it.</summary>
    internal readonly byte[] Buffer = new byte[MaxMultiple * SectorSize];
    internal int BufferIndex;
    internal int BufferLength;

    /// <summary>The state after power-on: defaults QEMU also uses (multiple 16, write cache on, MW DMA 2).</summary>
    internal void PowerOnReset()
    {
        MultipleCount = MaxMultiple;
        CurrentHeads = DefaultHeads;
        CurrentSectorsPerTrack = DefaultSectorsPerTrack;
        WriteCacheEnabled = true;
        Standby = false;
        SingleWordDma = 0x0007;
        MultiWordDma = 0x0407;
        UltraDma = 0x003F;
        LoadSignature();
        Status = AtaStatus.Ready;
    }

    /// <summary>The reset/diagnostic signature of a non-packet device: count 1, LBA 1/0/0, device 0, error 01.</summary>
    internal void LoadSignature()
    {
        CancelTransfer();
        Count = LbaLow = 1;
        LbaMid = LbaHigh = 0;
        HobFeature = HobCount = HobLbaLow = HobLbaMid = HobLbaHigh = Feature = 0;
        DeviceReg = 0;
        Error = AtaError.DiagnosticPassed;
        IntrqPending = false;
    }

    internal void CancelTransfer()
    {
        Transfer = TransferKind.None;
        BufferIndex = BufferLength = 0;
        SectorsLeft = 0;
    }

    /// <summary>Cylinders of the current translation, as IDENTIFY word 54 reports them.</summary>
    public int CurrentCylinders
    {
        get
        {
            long perCylinder = (long)CurrentHeads * CurrentSectorsPerTrack;
            return perCylinder == 0 ? 0 : (int)Math.Min(Math.Min(SectorCount, MaxLba28) / perCylinder, 65535);
        }
    }

    /// <summary>A deterministic serial number: "EMU" and 16 hex digits of an FNV-1a hash of the image name and size.</summary>
    public static string DeriveSerial(string imageName, long sizeBytes)
    {
        ulong hash = 0xCBF2_9CE4_8422_2325;
        foreach (char c in $"{Path.GetFileName(imageName)}:{sizeBytes}")
        {
            hash ^= c;
            hash *= 0x0000_0100_0000_01B3;
        }
        return $"EMU{hash:X16}";
    }

    /// <summary>Fills the 512-byte IDENTIFY DEVICE block (ATA-6 layout) into <paramref name="block"/>.</summary>
    public void BuildIdentify(Span<byte> block, bool isSlave = false, bool otherPresent = false)
    {
        block[..SectorSize].Clear();

        W(block, 0, 0x0040); // fixed disk, not removable
        W(block, 1, Cylinders);
        W(block, 3, Heads);
        W(block, 6, SectorsPerTrack);
        PutString(block, 10, 20, Serial);
        PutString(block, 23, 8, Options.Firmware);
        PutString(block, 27, 40, Options.Model);
        W(block, 47, 0x8000 | MaxMultiple);
        W(block, 48, 0x0001); // 32-bit PIO data transfers allowed
        W(block, 49, (1 << 11) | (1 << 9) | (1 << 8)); // IORDY, LBA, DMA
        W(block, 50, 0x4000);
        W(block, 51, 0x0200); // PIO timing mode 2 (obsolete field)
        W(block, 52, 0x0200);
        W(block, 53, 0x0007); // words 54-58, 64-70 and 88 are valid
        int cyl = CurrentCylinders;
        W(block, 54, cyl);
        W(block, 55, CurrentHeads);
        W(block, 56, CurrentSectorsPerTrack);
        uint chsCapacity = (uint)((long)cyl * CurrentHeads * CurrentSectorsPerTrack);
        W(block, 57, (int)(chsCapacity & 0xFFFF));
        W(block, 58, (int)(chsCapacity >> 16));
        W(block, 59, MultipleCount != 0 ? 0x0100 | MultipleCount : 0);
        uint lba28 = (uint)Math.Min(SectorCount, MaxLba28);
        W(block, 60, (int)(lba28 & 0xFFFF));
        W(block, 61, (int)(lba28 >> 16));
        W(block, 62, SingleWordDma);
        W(block, 63, MultiWordDma);
        W(block, 64, 0x0003); // PIO modes 3 and 4
        W(block, 65, 120);
        W(block, 66, 120);
        W(block, 67, 120);
        W(block, 68, 120);
        W(block, 80, 0x007E); // ATA-1 .. ATA-6
        const int nop = 1 << 14, writeCache = 1 << 5;
        const int lba48 = 1 << 10, flush = 1 << 12, flushExt = 1 << 13;
        W(block, 82, nop | writeCache);
        W(block, 83, (1 << 14) | flushExt | flush | lba48);
        W(block, 84, 1 << 14);
        W(block, 85, nop | (WriteCacheEnabled ? writeCache : 0));
        W(block, 86, flushExt | flush | lba48);
        W(block, 87, 1 << 14);
        W(block, 88, UltraDma);
        // Word 93, hardware reset result: bit 14 set, bit 13 = 80-wire cable (lets drivers pick UDMA > 2);
        // device 0: bit 0, jumper-selected (01 in 2:1), passed diagnostics (3), device 1 seen (4);
        // device 1: bit 8, jumper-selected (01 in 10:9), PDIAG- asserted (11).
        W(block, 93, (1 << 14) | (1 << 13) | (isSlave ? 0x0B00 : 0x000B | (otherPresent ? 0x0010 : 0)));
        ulong lba48Count = (ulong)SectorCount;
        W(block, 100, (int)(lba48Count & 0xFFFF));
        W(block, 101, (int)((lba48Count >> 16) & 0xFFFF));
        W(block, 102, (int)((lba48Count >> 32) & 0xFFFF));
        W(block, 103, (int)((lba48Count >> 48) & 0xFFFF));
        // Word 255: signature A5 in the low byte, and a high byte making all 512 bytes sum to 0 mod 256.
        block[510] = 0xA5;
        byte sum = 0;
        for (int i = 0; i < 511; i++)
            sum += block[i];
        block[511] = (byte)-sum;
    }

    private static void W(Span<byte> block, int word, int value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(block[(word * 2)..], (ushort)value);

    /// <summary>ATA strings: ASCII, space padded, the first character of each pair in the word's high byte.</summary>
    private static void PutString(Span<byte> block, int firstWord, int length, string text)
    {
        var field = block.Slice(firstWord * 2, length);
        for (int i = 0; i < length; i++)
        {
            char c = i < text.Length ? text[i] : ' ';
            // Byte i of the string goes to the high byte of its word: swap within each pair.
            field[i ^ 1] = c is >= ' ' and <= '~' ? (byte)c : (byte)' ';
        }
    }
}
