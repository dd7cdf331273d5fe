namespace Emu.Io.Assigned;

/// <summary>
/// The programming interface of a virtual function (docs/ASSIGNED-DEVICE.md): the byte layout of its register page,
/// which sits in the guest's address space as plain memory (a store to it is no VM exit; the device watches it), of
/// its queue entries, and of the VMM's private page that holds the posted-interrupt descriptor and the counters.
/// </summary>
public static class VfLayout
{
    /// <summary>Where the VMM places the VF's register page in the guest's physical address space (its "BAR").</summary>
    public const uint RegisterPage = 0xD_4000;
    public const uint PageLength = 0x1000;

    // ---- the register page (offsets); RO = written by the device only (a guest store there is overwritten) ----
    /// <summary>RO u32 "EMVF".</summary>
    public const int Magic = 0x00;
    /// <summary>RO u16 the VF's number, then u16 the interface version.</summary>
    public const int Number = 0x04, Version = 0x06;
    /// <summary>RO u32 sectors in the VF's LBA window (LBA 0 is the window's first sector).</summary>
    public const int WindowSectors = 0x08;
    /// <summary>RO u32 the largest queue size the VF takes.</summary>
    public const int MaxQueueSize = 0x0C;
    /// <summary>RW u32 control: bit 0 enable, bit 1 reset (the device clears the register when the reset is done).</summary>
    public const int Control = 0x10;
    /// <summary>RO u32 status: bit 0 enabled, bit 1 stopped on an error (<see cref="ErrorCode"/> says which).</summary>
    public const int Status = 0x14;
    /// <summary>RO u32 the error that stopped the VF (<see cref="VfError"/>), and the IOVA it concerns.</summary>
    public const int ErrorCode = 0x18, ErrorAddress = 0x1C;
    /// <summary>RW u32 IOVAs of the submission and completion rings (16- and 8-byte entries), u32 entries per ring.</summary>
    public const int SubmissionBase = 0x20, CompletionBase = 0x24, QueueSize = 0x28;
    /// <summary>RW u32 bits 0-7 the interrupt vector posted on each completion, bit 8 posting enabled.</summary>
    public const int Interrupt = 0x2C;
    /// <summary>RW u32 the submission doorbell: the driver's free-running count of entries it submitted.</summary>
    public const int Doorbell = 0x40;
    /// <summary>RO u32 completions written so far (free-running, the completion ring's tail).</summary>
    public const int CompletionTail = 0x44;

    public const uint MagicValue = 0x4656_4D45; // "EMVF"
    public const ushort VersionValue = 1;
    public const uint ControlEnable = 1, ControlReset = 2;
    public const uint StatusEnabled = 1, StatusError = 2;
    public const uint InterruptEnable = 0x100;
    public const int MaxQueue = 64;

    // ---- queue entries ----
    /// <summary>A submission: u8 opcode, u8 zero, u16 tag, u32 LBA in the window, u16 sectors, u16 zero, u32 buffer IOVA.</summary>
    public const int SubmissionEntry = 16;
    /// <summary>A completion: u16 tag, u8 status (<see cref="VfStatus"/>), u8 zero, u32 the submission's index.</summary>
    public const int CompletionEntry = 8;
    public const byte OpRead = 1, OpWrite = 2;
    public const int MaxSectors = 128;
    public const int SectorSize = 512;

    // ---- the VMM's private page: the page of the shared RAM file past guest memory, which the guest cannot address ----
    /// <summary>File offset of the posted-interrupt descriptor: 256 bits of pending vectors, then u32 ON (a
    /// notification is outstanding), as VT-d's descriptor.</summary>
    public const int PostedDescriptor = (int)Memory.GuestMemory.Size + 0x800;
    public const int PostedOn = PostedDescriptor + 32;
    /// <summary>File offset of the VF's counters (u64 each, written by the device): see <see cref="VfCounter"/>.</summary>
    public const int Counters = (int)Memory.GuestMemory.Size + 0x900;
}

/// <summary>A completion's status.</summary>
public enum VfStatus : byte
{
    Ok = 0,
    /// <summary>Unknown opcode, or a sector count of 0 or over 128.</summary>
    BadRequest = 1,
    /// <summary>The LBA range leaves the VF's window.</summary>
    OutOfWindow = 2,
    /// <summary>The buffer is not mapped in the VF's IOMMU domain for that direction: nothing was transferred.</summary>
    IommuFault = 3,
    /// <summary>The host read or write of the image failed.</summary>
    IoError = 4,
    /// <summary>The driver reset the VF before the request ran.</summary>
    Aborted = 5,
}

/// <summary>Why a VF stopped (its error code register); the driver resets it to go on.</summary>
public enum VfError : uint
{
    None = 0,
    /// <summary>Queue size not a power of two from 1 to 64, or a ring base not aligned to its entry.</summary>
    QueueConfig = 1,
    /// <summary>A submission entry's IOVA is not readable in the VF's domain.</summary>
    SubmissionFault = 2,
    /// <summary>A completion entry's IOVA is not writable in the VF's domain.</summary>
    CompletionFault = 3,
    /// <summary>The doorbell ran more than a queue's worth ahead of the device (or behind it).</summary>
    DoorbellOverrun = 4,
}

/// <summary>The VF's counters in the private page, by index.</summary>
public enum VfCounter
{
    Requests = 0,
    IommuTranslations = 1,
    IommuFaults = 2,
    /// <summary>Requests that ended with an error status other than an IOMMU fault, and errors that stopped the VF.</summary>
    Errors = 3,
    PostedInterrupts = 4,
    Notifications = 5,
    Doorbells = 6,
    Count = 7,
}
