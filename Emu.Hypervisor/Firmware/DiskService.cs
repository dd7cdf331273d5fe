using Emu.Cpu;
using System.Buffers.Binary;
using Emu.Io.Storage;
using Emu.Hypervisor.Statistics;
using Emu.Memory;

namespace Emu.Hypervisor.Firmware;

/// <summary>
/// INT 13h through the hypercall path: the VMM reads and writes the drive's backend and copies
/// sectors to and from guest RAM with the bounds-checked DMA accessors, so no argument a guest
/// passes (drive, CHS, LBA, count, buffer, DAP) can reach outside the disk or outside guest RAM.
/// Status codes and the last-status bytes (0040:0041 floppy, 0040:0074 hard disk) follow the IBM
/// BIOS and SeaBIOS.
/// </summary>
internal sealed class DiskService(Processor cpu, GuestMemory memory, IReadOnlyList<BiosDrive> drives, ExitStatistics stats)
{
    private const uint Bda = 0x400;
    private const int SectorSize = IBlockBackend.SectorSize;

    // Status codes (AH).
    private const byte Ok = 0x00, BadCommand = 0x01, WriteProtected = 0x03, NotFound = 0x04,
        DmaBoundary = 0x09, ControllerFailure = 0x20;

    private GuestMemory Memory => memory;
    private Processor Cpu => cpu;

    public void Handle()
    {
        var frame = new BiosFrame(Cpu);
        if (!frame.Valid)
            return;
        byte ah = frame.AH, al = frame.AL, dl = Cpu.DL;
        var drive = drives.FirstOrDefault(d => d.Number == dl);
        switch (ah)
        {
            case 0x00: // reset
            case 0x0D: // alternate reset
            case 0x10: // test unit ready
                Finish(frame, dl, drive is null ? BadCommand : Ok);
                break;
            case 0x01: // status of the last operation
                {
                    byte last = Memory.Read8(Bda + (dl < 0x80 ? 0x41u : 0x74u));
                    frame.AH = last;
                    frame.Carry = last != 0;
                }
                break;
            case 0x02:
            case 0x03:
            case 0x04:
                if (drive is null)
                {
                    Finish(frame, dl, BadCommand);
                    break;
                }
                ChsTransfer(frame, drive, ah, al);
                break;
            case 0x05: // format track
                if (drive is null)
                {
                    Finish(frame, dl, BadCommand);
                    break;
                }
                FormatTrack(frame, drive);
                break;
            case 0x08:
                GetParameters(frame, dl, drive);
                break;
            case 0x0C: // seek
                if (drive is null || ChsCylinder() >= drive.Cylinders || (Cpu.DX >> 8) >= drive.Heads)
                    Finish(frame, dl, BadCommand);
                else
                    Finish(frame, dl, Ok);
                break;
            case 0x15: // drive type
                if (drive is null)
                {
                    frame.AH = 0x00; // no such drive
                    frame.Carry = false;
                }
                else if (drive.IsFloppy)
                {
                    frame.AH = 0x01; // floppy without change-line support (as SeaBIOS answers)
                    frame.Carry = false;
                }
                else
                {
                    uint sectors = (uint)Math.Min(drive.Backend.SectorCount, uint.MaxValue);
                    frame.AH = 0x03;
                    Cpu.CX = (ushort)(sectors >> 16);
                    Cpu.DX = (ushort)sectors;
                    frame.Carry = false;
                }
                break;
            case 0x16: // media change
                Finish(frame, dl, drive is { IsFloppy: true } ? Ok : BadCommand);
                break;
            case 0x41: // extensions present?
                if (drive is { IsFloppy: false } && Cpu.BX == 0x55AA)
                {
                    Cpu.BX = 0xAA55;
                    Cpu.CX = 0x0001; // fixed-disk access subset: 42h-44h, 47h, 48h
                    frame.AH = 0x30; // EDD 3.0
                    frame.Carry = false;
                }
                else
                    Finish(frame, dl, BadCommand);
                break;
            case 0x42:
            case 0x43:
            case 0x44:
            case 0x47:
                if (drive is not { IsFloppy: false })
                {
                    Finish(frame, dl, BadCommand);
                    break;
                }
                ExtendedTransfer(frame, drive, ah);
                break;
            case 0x48:
                if (drive is not { IsFloppy: false })
                {
                    Finish(frame, dl, BadCommand);
                    break;
                }
                Finish(frame, dl, ExtendedParameters(drive));
                break;
            default:
                stats.CountUnsupported(0x13, ah);
                Finish(frame, dl, BadCommand);
                break;
        }
    }

    private void Finish(BiosFrame frame, byte dl, byte status)
    {
        frame.AH = status;
        frame.Carry = status != Ok;
        Memory.Write8(Bda + (dl < 0x80 ? 0x41u : 0x74u), status);
    }

    private int ChsCylinder() => (Cpu.CX >> 8) | ((Cpu.CX & 0xC0) << 2);

    private void ChsTransfer(BiosFrame frame, BiosDrive drive, byte ah, byte count)
    {
        int sector = Cpu.CX & 0x3F, cylinder = ChsCylinder(), head = Cpu.DX >> 8;
        if (count == 0 || count > 128 || sector == 0 || sector > drive.SectorsPerTrack
            || head >= drive.Heads || cylinder >= drive.Cylinders)
        {
            frame.AL = 0;
            Finish(frame, drive.Number, BadCommand);
            return;
        }
        long lba = ((long)cylinder * drive.Heads + head) * drive.SectorsPerTrack + sector - 1;
        uint buffer = ((uint)Cpu.ES << 4) + Cpu.BX;
        var (done, status) = Transfer(drive, ah switch { 0x02 => Op.Read, 0x03 => Op.Write, _ => Op.Verify }, lba, count, buffer);
        frame.AL = (byte)done;
        Finish(frame, drive.Number, status);
    }

    private enum Op { Read, Write, Verify }

    /// <summary>Moves up to <paramref name="count"/> sectors, stopping at the first error: the sectors
    /// done and the status. <paramref name="buffer"/> is a linear (or, for EDD, flat) address.</summary>
    private (int Done, byte Status) Transfer(BiosDrive drive, Op op, long lba, int count, ulong buffer)
    {
        Span<byte> sector = stackalloc byte[SectorSize];
        var backend = drive.Backend;
        if (buffer > ulong.MaxValue - (ulong)count * SectorSize)
            return (0, DmaBoundary);
        for (int i = 0; i < count; i++)
        {
            long at = lba + i;
            if (at < 0 || at >= backend.SectorCount)
                return (i, NotFound);
            if (op == Op.Verify)
                continue;
            ulong address = buffer + (ulong)i * SectorSize;
            if (!Memory.A20Enabled && address < GuestMemory.OneMiB && address + SectorSize > GuestMemory.OneMiB)
                return (i, DmaBoundary); // would wrap at 1 MiB in the middle of a sector
            if (!Memory.A20Enabled)
                address &= GuestMemory.OneMiB - 1;
            if (op == Op.Read)
            {
                var s = backend.Read(at * SectorSize, sector);
                if (s != BlockStatus.Ok)
                    return (i, MapStatus(s));
                if (!Memory.TryWriteDma(address, sector))
                    return (i, DmaBoundary);
            }
            else
            {
                if (!Memory.TryReadDma(address, sector))
                    return (i, DmaBoundary);
                var s = backend.Write(at * SectorSize, sector);
                if (s != BlockStatus.Ok)
                    return (i, MapStatus(s));
            }
        }
        return (count, Ok);
    }

    private static byte MapStatus(BlockStatus status) => status switch
    {
        BlockStatus.Ok => Ok,
        BlockStatus.OutOfRange => NotFound,
        BlockStatus.ReadOnly => WriteProtected,
        _ => ControllerFailure,
    };

    private void FormatTrack(BiosFrame frame, BiosDrive drive)
    {
        int cylinder = ChsCylinder(), head = Cpu.DX >> 8;
        if (cylinder >= drive.Cylinders || head >= drive.Heads)
        {
            Finish(frame, drive.Number, BadCommand);
            return;
        }
        if (drive.Backend.ReadOnly)
        {
            Finish(frame, drive.Number, WriteProtected);
            return;
        }
        if (!drive.IsFloppy)
        {
            Finish(frame, drive.Number, Ok); // a hard disk's low-level format changes nothing a program can see
            return;
        }
        Span<byte> fill = stackalloc byte[SectorSize];
        fill.Fill(0xF6);
        long first = ((long)cylinder * drive.Heads + head) * drive.SectorsPerTrack;
        for (int s = 0; s < drive.SectorsPerTrack; s++)
        {
            var status = drive.Backend.Write((first + s) * SectorSize, fill);
            if (status != BlockStatus.Ok)
            {
                Finish(frame, drive.Number, MapStatus(status));
                return;
            }
        }
        Finish(frame, drive.Number, Ok);
    }

    private void GetParameters(BiosFrame frame, byte dl, BiosDrive? drive)
    {
        if (drive is null)
        {
            Finish(frame, dl, BadCommand);
            return;
        }
        int maxCylinder = drive.Cylinders - 1;
        Cpu.CX = (ushort)(((maxCylinder & 0xFF) << 8) | ((maxCylinder >> 2) & 0xC0) | drive.SectorsPerTrack);
        int count = drives.Count(d => d.IsFloppy == drive.IsFloppy);
        Cpu.DX = (ushort)(((drive.Heads - 1) << 8) | count);
        if (drive.IsFloppy)
        {
            Cpu.BX = (ushort)((Cpu.BX & 0xFF00) | drive.FloppyType);
            // ES:DI = the diskette parameter table INT 1Eh points at.
            Cpu.DI = Memory.Read16(0x1E * 4);
            Cpu.ES = Memory.Read16(0x1E * 4 + 2);
        }
        frame.AL = 0;
        Finish(frame, dl, Ok);
    }

    // EDD disk address packet at DS:SI: size, reserved, count (word), buffer offset:segment, LBA (qword),
    // and with size >= 18h a flat 64-bit buffer used when the segment:offset is FFFF:FFFF.
    private void ExtendedTransfer(BiosFrame frame, BiosDrive drive, byte ah)
    {
        uint dapAddress = (((uint)Cpu.DS << 4) + Cpu.SI) & Memory.AddressMask;
        Span<byte> dap = stackalloc byte[0x18];
        if (!Memory.TryReadDma(dapAddress, dap[..0x10]))
        {
            Finish(frame, drive.Number, BadCommand);
            return;
        }
        byte size = dap[0];
        ushort count = BinaryPrimitives.ReadUInt16LittleEndian(dap[2..]);
        ushort offset = BinaryPrimitives.ReadUInt16LittleEndian(dap[4..]);
        ushort segment = BinaryPrimitives.ReadUInt16LittleEndian(dap[6..]);
        ulong lba = BinaryPrimitives.ReadUInt64LittleEndian(dap[8..]);
        ulong buffer = ((ulong)segment << 4) + offset;
        if (size < 0x10 || (count > 0x7F && ah != 0x47))
        {
            Finish(frame, drive.Number, BadCommand);
            return;
        }
        if (segment == 0xFFFF && offset == 0xFFFF && size >= 0x18)
        {
            if (!Memory.TryReadDma(dapAddress + 0x10, dap[0x10..0x18]))
            {
                Finish(frame, drive.Number, BadCommand);
                return;
            }
            buffer = BinaryPrimitives.ReadUInt64LittleEndian(dap[0x10..]);
        }
        if (lba > long.MaxValue)
        {
            Finish(frame, drive.Number, NotFound);
            return;
        }
        if (ah == 0x47) // seek: only the address is checked
        {
            Finish(frame, drive.Number, (long)lba < drive.Backend.SectorCount ? Ok : NotFound);
            return;
        }
        var op = ah switch { 0x42 => Op.Read, 0x43 => Op.Write, _ => Op.Verify };
        var (done, status) = Transfer(drive, op, (long)lba, count, buffer);
        Span<byte> doneBytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(doneBytes, (ushort)done);
        Memory.TryWriteDma(dapAddress + 2, doneBytes); // the count of blocks actually moved
        Finish(frame, drive.Number, status);
    }

    // EDD drive parameters at DS:SI (the buffer's first word says how much the caller has room for).
    private byte ExtendedParameters(BiosDrive drive)
    {
        uint address = (((uint)Cpu.DS << 4) + Cpu.SI) & Memory.AddressMask;
        if (!Memory.TryReadDmaUInt16(address, out ushort room) || room < 0x1A)
            return BadCommand;
        int length = room >= 0x1E ? 0x1E : 0x1A;
        Span<byte> p = stackalloc byte[0x1E];
        p.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(p, (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(p[2..], 0x0002); // the CHS values are valid
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], (uint)drive.Cylinders);
        BinaryPrimitives.WriteUInt32LittleEndian(p[8..], (uint)drive.Heads);
        BinaryPrimitives.WriteUInt32LittleEndian(p[12..], (uint)drive.SectorsPerTrack);
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], (ulong)drive.Backend.SectorCount);
        BinaryPrimitives.WriteUInt16LittleEndian(p[24..], SectorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(p[26..], 0xFFFF_FFFF); // no device parameter table extension
        return Memory.TryWriteDma(address, p[..length]) ? Ok : BadCommand;
    }
}
