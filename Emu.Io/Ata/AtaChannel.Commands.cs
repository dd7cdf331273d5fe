using Emu.Io.Storage;
using static Emu.Io.Ata.AtaDrive;

namespace Emu.Io.Ata;

internal sealed partial class AtaChannel
{
    private void ExecuteCommand(byte command)
    {
        if (IsInReset)
            return;
        var d = Selected;
        if (d is not null && (d.Status & (AtaStatus.Bsy | AtaStatus.Drq)) != 0)
        {
            Note("command ignored", $"{command:X2} while status is {d.Status:X2}");
            return;
        }
        if (command == AtaCommand.ExecuteDiagnostic)
        {
            // Addressed to both devices, so it runs even with an absent one selected.
            NoteCommand(null, command);
            ExecuteDiagnostic();
            return;
        }
        if (d is null)
        {
            Note("command ignored", $"{command:X2} to an absent device");
            return;
        }
        // Writing the command register acknowledges a pending interrupt and starts afresh.
        d.IntrqPending = false;
        d.Error = 0;
        d.Command = command;
        UpdateIrq();
        NoteCommand(d, command);

        switch (command)
        {
            case AtaCommand.ReadSectors or AtaCommand.ReadSectorsNoRetry: StartPio(d, write: false, lba48: false, multiple: false); break;
            case AtaCommand.ReadSectorsExt: StartPio(d, write: false, lba48: true, multiple: false); break;
            case AtaCommand.ReadMultiple: StartPio(d, write: false, lba48: false, multiple: true); break;
            case AtaCommand.ReadMultipleExt: StartPio(d, write: false, lba48: true, multiple: true); break;
            case AtaCommand.WriteSectors or AtaCommand.WriteSectorsNoRetry: StartPio(d, write: true, lba48: false, multiple: false); break;
            case AtaCommand.WriteSectorsExt: StartPio(d, write: true, lba48: true, multiple: false); break;
            case AtaCommand.WriteMultiple: StartPio(d, write: true, lba48: false, multiple: true); break;
            case AtaCommand.WriteMultipleExt: StartPio(d, write: true, lba48: true, multiple: true); break;
            case AtaCommand.ReadDma or AtaCommand.ReadDmaNoRetry: StartDma(d, write: false, lba48: false); break;
            case AtaCommand.ReadDmaExt: StartDma(d, write: false, lba48: true); break;
            case AtaCommand.WriteDma or AtaCommand.WriteDmaNoRetry: StartDma(d, write: true, lba48: false); break;
            case AtaCommand.WriteDmaExt: StartDma(d, write: true, lba48: true); break;
            case AtaCommand.ReadVerify or AtaCommand.ReadVerifyNoRetry: Verify(d, lba48: false); break;
            case AtaCommand.ReadVerifyExt: Verify(d, lba48: true); break;
            case AtaCommand.IdentifyDevice: Identify(d); break;
            case AtaCommand.SetFeatures: SetFeatures(d); break;
            case AtaCommand.SetMultiple: SetMultiple(d); break;
            case AtaCommand.FlushCache or AtaCommand.FlushCacheExt: FlushCache(d); break;
            case AtaCommand.InitializeDeviceParameters: InitializeDeviceParameters(d); break;
            case >= AtaCommand.Recalibrate and <= 0x1F:
                d.Standby = false;
                Complete(d);
                break;
            case AtaCommand.CheckPowerMode:
                d.Count = d.Standby ? (byte)0x00 : (byte)0xFF; // 00 standby, FF active or idle
                Complete(d);
                break;
            case AtaCommand.StandbyImmediate or AtaCommand.Standby:
                d.Standby = true;
                Complete(d);
                break;
            case AtaCommand.IdleImmediate or AtaCommand.Idle:
                d.Standby = false;
                Complete(d);
                break;
            default:
                // NOP (00) with subcommand 00 is defined to abort; so does everything not implemented,
                // including the packet commands (A0/A1) that tell a driver this is not an ATAPI device.
                Fail(d, AtaError.Abrt);
                break;
        }
    }

    // ---- completion ----

    private void Complete(AtaDrive d)
    {
        d.CancelTransfer();
        d.Status = AtaStatus.Ready;
        RaiseInterrupt(d);
    }

    /// <summary>Ends the command with ERR: status 41, the error bits given, and an interrupt.</summary>
    private void Fail(AtaDrive d, byte error)
    {
        d.CancelTransfer();
        d.Error = error;
        d.Status = AtaStatus.Failed;
        Note("error", $"command {d.Command:X2} error {error:X2}");
        RaiseInterrupt(d);
    }

    // ---- addressing ----

    /// <summary>
    /// Decodes the start address and sector count from the task file (CHS, LBA28 or LBA48) and checks the
    /// whole request against the capacity the addressing mode can reach. False = IDNF.
    /// </summary>
    private static bool TryDecodeRequest(AtaDrive d, bool lba48, out long lba, out long count)
    {
        d.Lba48 = lba48;
        d.ChsAddressing = false;
        long limit;
        if (lba48)
        {
            count = d.Count | (d.HobCount << 8);
            if (count == 0)
                count = 65536;
            lba = d.LbaLow | ((long)d.LbaMid << 8) | ((long)d.LbaHigh << 16)
                | ((long)d.HobLbaLow << 24) | ((long)d.HobLbaMid << 32) | ((long)d.HobLbaHigh << 40);
            limit = d.SectorCount;
        }
        else
        {
            count = d.Count == 0 ? 256 : d.Count;
            if ((d.DeviceReg & 0x40) != 0)
            {
                lba = d.LbaLow | ((long)d.LbaMid << 8) | ((long)d.LbaHigh << 16) | ((long)(d.DeviceReg & 0x0F) << 24);
                limit = Math.Min(d.SectorCount, MaxLba28);
            }
            else
            {
                d.ChsAddressing = true;
                int sector = d.LbaLow, head = d.DeviceReg & 0x0F, cylinder = d.LbaMid | (d.LbaHigh << 8);
                int heads = d.CurrentHeads, spt = d.CurrentSectorsPerTrack, cylinders = d.CurrentCylinders;
                lba = 0;
                if (sector == 0 || sector > spt || head >= heads || cylinder >= cylinders)
                    return false;
                lba = ((long)cylinder * heads + head) * spt + sector - 1;
                limit = Math.Min(d.SectorCount, (long)cylinders * heads * spt);
            }
        }
        return lba + count <= limit;
    }

    /// <summary>Writes an address and the remaining count back into the drive's task file, in the
    /// addressing mode of the command (the address of the last sector transferred, or of the failing one).</summary>
    private static void SetPosition(AtaDrive d, long lba, long sectorsLeft)
    {
        if (lba < 0)
            lba = 0;
        if (d.ChsAddressing)
        {
            int heads = d.CurrentHeads, spt = d.CurrentSectorsPerTrack;
            long perCylinder = (long)heads * spt;
            long cylinder = lba / perCylinder, rest = lba % perCylinder;
            d.LbaLow = (byte)(rest % spt + 1);
            d.LbaMid = (byte)cylinder;
            d.LbaHigh = (byte)(cylinder >> 8);
            d.DeviceReg = (byte)((d.DeviceReg & 0xF0) | (int)(rest / spt));
        }
        else
        {
            d.LbaLow = (byte)lba;
            d.LbaMid = (byte)(lba >> 8);
            d.LbaHigh = (byte)(lba >> 16);
            if (d.Lba48)
            {
                d.HobLbaLow = (byte)(lba >> 24);
                d.HobLbaMid = (byte)(lba >> 32);
                d.HobLbaHigh = (byte)(lba >> 40);
            }
            else
            {
                d.DeviceReg = (byte)((d.DeviceReg & 0xF0) | (int)((lba >> 24) & 0x0F));
            }
        }
        d.Count = (byte)sectorsLeft;
        if (d.Lba48)
            d.HobCount = (byte)(sectorsLeft >> 8);
    }

    private static byte ReadError(BlockStatus status) => status == BlockStatus.OutOfRange ? AtaError.Idnf : AtaError.Unc;
    private static byte WriteError(BlockStatus status) => status == BlockStatus.OutOfRange ? AtaError.Idnf : AtaError.Abrt;

    // ---- PIO data transfers ----

    /// <summary>
    /// Takes the task file's request for a PIO or DMA transfer: a read-only image aborts a write before its
    /// data phase (see ATA-BEHAVIOUR.md), an address out of reach is IDNF. On success the drive is awake and
    /// its next LBA and sector count are the request's.
    /// </summary>
    private bool TryAcceptTransfer(AtaDrive d, bool write, bool lba48)
    {
        if (write && d.Backend.ReadOnly)
        {
            Fail(d, AtaError.Abrt);
            return false;
        }
        if (!TryDecodeRequest(d, lba48, out long lba, out long count))
        {
            Fail(d, AtaError.Idnf);
            return false;
        }
        d.Standby = false;
        d.NextLba = lba;
        d.SectorsLeft = count;
        return true;
    }

    /// <summary>Moves the drive past a PIO block the backend has read or written, or, where the backend
    /// failed, ends the command with the error of that failure and the failing sector as the position.</summary>
    private bool TryAdvance(AtaDrive d, int sectors, BlockStatus status, bool write)
    {
        if (status != BlockStatus.Ok)
        {
            SetPosition(d, d.NextLba, d.SectorsLeft);
            Fail(d, write ? WriteError(status) : ReadError(status));
            return false;
        }
        d.NextLba += sectors;
        d.SectorsLeft -= sectors;
        SetPosition(d, d.NextLba - 1, d.SectorsLeft);
        return true;
    }

    private void StartPio(AtaDrive d, bool write, bool lba48, bool multiple)
    {
        if (multiple && d.MultipleCount == 0)
        {
            Fail(d, AtaError.Abrt); // READ/WRITE MULTIPLE with multiple mode off
            return;
        }
        if (!TryAcceptTransfer(d, write, lba48))
            return;
        d.BlockSectors = multiple ? d.MultipleCount : 1;
        if (write)
        {
            d.Transfer = TransferKind.PioOut;
            PrepareWriteBlock(d);
            d.Status = AtaStatus.DataReady; // DRQ for the first block without an interrupt
            Note("state", "DRQ out");
        }
        else
        {
            d.Transfer = TransferKind.PioIn;
            LoadReadBlock(d);
        }
    }

    /// <summary>Reads the next DRQ block from the backend, then DRQ + interrupt (one per block).</summary>
    private void LoadReadBlock(AtaDrive d)
    {
        int sectors = (int)Math.Min(d.SectorsLeft, d.BlockSectors);
        int length = sectors * SectorSize;
        var status = d.Backend.Read(d.NextLba * SectorSize, d.Buffer.AsSpan(0, length));
        if (!TryAdvance(d, sectors, status, write: false))
            return;
        d.BufferIndex = 0;
        d.BufferLength = length;
        d.Status = AtaStatus.DataReady;
        RaiseInterrupt(d);
    }

    private static void PrepareWriteBlock(AtaDrive d)
    {
        d.BufferIndex = 0;
        d.BufferLength = (int)Math.Min(d.SectorsLeft, d.BlockSectors) * SectorSize;
    }

    /// <summary>The data port, read: only while the selected device has DRQ set for a PIO-in command.</summary>
    private void ReadData(Span<byte> data)
    {
        var d = Selected;
        if (d is null || IsInReset || d.Transfer != TransferKind.PioIn || (d.Status & AtaStatus.Drq) == 0)
        {
            data.Clear();
            return;
        }
        int index = d.BufferIndex;
        int n = Math.Clamp(d.BufferLength - index, 0, data.Length);
        if ((uint)index > (uint)d.Buffer.Length || n > d.Buffer.Length - index)
            n = 0; // cannot happen; an index is never trusted without a check (CVE-2015-5154)
        d.Buffer.AsSpan(index, n).CopyTo(data);
        data[n..].Clear();
        d.BufferIndex = index + n;
        if (d.BufferIndex >= d.BufferLength)
        {
            if (d.SectorsLeft > 0)
            {
                LoadReadBlock(d);
            }
            else
            {
                // The last block was read: no interrupt here (it came when the block became ready).
                d.CancelTransfer();
                d.Status = AtaStatus.Ready;
                Note("state", "read complete");
            }
        }
    }

    /// <summary>The data port, written: only while the selected device has DRQ set for a PIO-out command.</summary>
    private void WriteData(ReadOnlySpan<byte> data)
    {
        var d = Selected;
        if (d is null || IsInReset || d.Transfer != TransferKind.PioOut || (d.Status & AtaStatus.Drq) == 0)
            return;
        int index = d.BufferIndex;
        int n = Math.Clamp(d.BufferLength - index, 0, data.Length);
        if ((uint)index > (uint)d.Buffer.Length || n > d.Buffer.Length - index)
            n = 0;
        data[..n].CopyTo(d.Buffer.AsSpan(index));
        d.BufferIndex = index + n;
        if (d.BufferIndex >= d.BufferLength)
            CommitWriteBlock(d);
    }

    /// <summary>A full DRQ block arrived: write it, then DRQ + interrupt for the next or 50 + interrupt at the end.</summary>
    private void CommitWriteBlock(AtaDrive d)
    {
        int sectors = d.BufferLength / SectorSize;
        var status = d.Backend.Write(d.NextLba * SectorSize, d.Buffer.AsSpan(0, d.BufferLength));
        if (!TryAdvance(d, sectors, status, write: true))
            return;
        if (d.SectorsLeft > 0)
        {
            PrepareWriteBlock(d);
            d.Status = AtaStatus.DataReady;
            RaiseInterrupt(d);
            return;
        }
        if (!FlushIfWriteCacheOff(d))
            return;
        Complete(d);
    }

    /// <summary>With the write cache disabled a write completes only once it is durable.</summary>
    private bool FlushIfWriteCacheOff(AtaDrive d)
    {
        if (d.WriteCacheEnabled)
            return true;
        var status = d.Backend.Flush();
        if (status == BlockStatus.Ok)
            return true;
        Fail(d, AtaError.Abrt);
        return false;
    }

    // ---- commands without a data phase ----

    private void Verify(AtaDrive d, bool lba48)
    {
        if (!TryDecodeRequest(d, lba48, out long lba, out long count))
        {
            Fail(d, AtaError.Idnf);
            return;
        }
        d.Standby = false;
        // Read the sectors (into the block buffer, discarded) so that a failing host disk shows up as UNC.
        for (long done = 0; done < count;)
        {
            int sectors = (int)Math.Min(count - done, MaxMultiple);
            var status = d.Backend.Read((lba + done) * SectorSize, d.Buffer.AsSpan(0, sectors * SectorSize));
            if (status != BlockStatus.Ok)
            {
                SetPosition(d, lba + done, count - done);
                Fail(d, ReadError(status));
                return;
            }
            done += sectors;
        }
        SetPosition(d, lba + count - 1, 0);
        Complete(d);
    }

    private void Identify(AtaDrive d)
    {
        bool isSlave = ReferenceEquals(d, _drives[1]);
        d.BuildIdentify(d.Buffer, isSlave, otherPresent: _drives[isSlave ? 0 : 1] is not null);
        d.Transfer = TransferKind.PioIn;
        d.SectorsLeft = 0;
        d.BufferIndex = 0;
        d.BufferLength = SectorSize;
        d.Status = AtaStatus.DataReady;
        RaiseInterrupt(d);
    }

    private void SetFeatures(AtaDrive d)
    {
        switch (d.Feature)
        {
            case 0x03: // set transfer mode: Sector Count = mode << 3 | value
                int mode = d.Count >> 3, value = d.Count & 7;
                switch (mode)
                {
                    case 0 when value <= 1:
                    case 1 when value <= 4:
                        SetDmaModes(d, 0x0007, 0x0007, 0x003F); // PIO: no DMA mode active
                        break;
                    case 2 when value <= 2:
                        SetDmaModes(d, (ushort)(0x0007 | (0x100 << value)), 0x0007, 0x003F);
                        break;
                    case 4 when value <= 2:
                        SetDmaModes(d, 0x0007, (ushort)(0x0007 | (0x100 << value)), 0x003F);
                        break;
                    case 8 when value <= 5:
                        SetDmaModes(d, 0x0007, 0x0007, (ushort)(0x003F | (0x100 << value)));
                        break;
                    default:
                        Fail(d, AtaError.Abrt);
                        return;
                }
                break;
            case 0x02:
                d.WriteCacheEnabled = true;
                break;
            case 0x82:
                // Turning the cache off first writes back what it holds.
                var status = d.Backend.Flush();
                if (status != BlockStatus.Ok)
                {
                    Fail(d, AtaError.Abrt);
                    return;
                }
                d.WriteCacheEnabled = false;
                break;
            default:
                Fail(d, AtaError.Abrt);
                return;
        }
        Complete(d);
    }

    private static void SetDmaModes(AtaDrive d, ushort singleWord, ushort multiWord, ushort ultra)
    {
        d.SingleWordDma = singleWord;
        d.MultiWordDma = multiWord;
        d.UltraDma = ultra;
    }

    private void SetMultiple(AtaDrive d)
    {
        int n = d.Count;
        // A power of two up to word 47's maximum; 0 turns multiple mode off (as QEMU does).
        if (n > MaxMultiple || (n & (n - 1)) != 0)
        {
            Fail(d, AtaError.Abrt);
            return;
        }
        d.MultipleCount = n;
        Complete(d);
    }

    private void FlushCache(AtaDrive d)
    {
        // Completion (and its interrupt) only after the host reports the data durable.
        var status = d.Backend.Flush();
        if (status != BlockStatus.Ok)
        {
            Fail(d, AtaError.Abrt);
            return;
        }
        Complete(d);
    }

    private void InitializeDeviceParameters(AtaDrive d)
    {
        int sectors = d.Count, heads = (d.DeviceReg & 0x0F) + 1;
        if (sectors == 0)
        {
            Fail(d, AtaError.Abrt); // a translation with no sectors per track cannot address anything
            return;
        }
        d.CurrentSectorsPerTrack = sectors;
        d.CurrentHeads = heads;
        Complete(d);
    }

    private void ExecuteDiagnostic()
    {
        // Both devices run it; each loads its signature. Device 0 reports 01 (device 1 passed or absent)
        // and asserts the interrupt; DEV returns to 0.
        LoadSignatures();
        var reporter = _drives[0] ?? _drives[1];
        if (reporter is not null)
            RaiseInterrupt(reporter);
        UpdateIrq();
    }
}
