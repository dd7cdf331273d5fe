using Emu.Io.Storage;
using Emu.Memory;
using static Emu.Io.Ata.AtaDrive;

namespace Emu.Io.Ata;

internal sealed partial class AtaChannel
{
    private void StartDma(AtaDrive d, bool write, bool lba48)
    {
        if (!TryAcceptTransfer(d, write, lba48))
            return;
        d.Transfer = write ? TransferKind.DmaOut : TransferKind.DmaIn;
        // The device requests DMA (DMARQ); DRQ in the status as QEMU shows it. It waits for the bus master.
        d.Status = AtaStatus.DataReady;
        Note("state", write ? "DMA out pending" : "DMA in pending");
        RunPendingDma();
    }

    /// <summary>Runs a DMA command once both the device (command written) and the bus master (started)
    /// are ready, in whichever order they became so.</summary>
    internal void RunPendingDma()
    {
        if (!BusMaster.Active || !BusMaster.MasterEnabled)
            return;
        var d = Selected;
        if (d is null || d.Transfer is not (TransferKind.DmaIn or TransferKind.DmaOut))
            d = _drives[_selected ^ 1];
        if (d is null || d.Transfer is not (TransferKind.DmaIn or TransferKind.DmaOut))
            return;
        RunDma(d);
    }

    /// <summary>
    /// The whole transfer, in chunks of the drive's buffer (16 sectors), streamed through the PRD table.
    /// Guest memory is touched only by TryReadDma/TryWriteDma; every guest-given address and length is
    /// checked there or here, and the table walk is bounded.
    /// </summary>
    private void RunDma(AtaDrive d)
    {
        bool toMemory = d.Transfer == TransferKind.DmaIn;
        var walk = new PrdWalker(_memory, BusMaster.PrdTableAddress);
        Note("dma", $"{(toMemory ? "to memory" : "from memory")}: {d.SectorsLeft} sectors at LBA {d.NextLba}, PRD table {BusMaster.PrdTableAddress:X8}");
        while (d.SectorsLeft > 0)
        {
            int sectors = (int)Math.Min(d.SectorsLeft, MaxMultiple);
            var chunk = d.Buffer.AsSpan(0, sectors * SectorSize);
            PrdResult result;
            if (toMemory)
            {
                var status = d.Backend.Read(d.NextLba * SectorSize, chunk);
                if (status != BlockStatus.Ok)
                {
                    DriveErrorDuringDma(d, ReadError(status));
                    return;
                }
                result = walk.Move(chunk, toMemory: true);
            }
            else
            {
                result = walk.Move(chunk, toMemory: false);
                if (result == PrdResult.Ok)
                {
                    var status = d.Backend.Write(d.NextLba * SectorSize, chunk);
                    if (status != BlockStatus.Ok)
                    {
                        DriveErrorDuringDma(d, WriteError(status));
                        return;
                    }
                }
            }
            if (result == PrdResult.TableTooShort)
            {
                // The PRDs describe less than the transfer: the bus master stops with its error bit set,
                // active cleared and no interrupt; the device gives up the command with ABRT.
                SetPosition(d, d.NextLba, d.SectorsLeft);
                d.CancelTransfer();
                d.Error = AtaError.Abrt;
                d.Status = AtaStatus.Failed;
                BusMaster.EndTransfer(error: true, stayActive: false);
                Note("dma", $"PRD table too short after {walk.Entries} entries");
                return;
            }
            if (result == PrdResult.MemoryFault)
            {
                // A PRD or a region outside RAM, or a region crossing 64 KiB: a bus error (master abort).
                SetPosition(d, d.NextLba, d.SectorsLeft);
                BusMaster.EndTransfer(error: true, stayActive: false);
                Note("dma", $"memory fault at PRD {walk.Entries - 1}");
                Fail(d, AtaError.Abrt);
                return;
            }
            d.NextLba += sectors;
            d.SectorsLeft -= sectors;
        }
        SetPosition(d, d.NextLba - 1, 0);
        if (!toMemory && !FlushIfWriteCacheOff(d))
        {
            BusMaster.EndTransfer(error: false, stayActive: false);
            return;
        }
        // PRDs longer than the transfer leave the bus master active (PIIX): the driver sees interrupt=1, active=1.
        BusMaster.EndTransfer(error: false, stayActive: !walk.EndOfTableReached);
        Complete(d);
    }

    private void DriveErrorDuringDma(AtaDrive d, byte error)
    {
        SetPosition(d, d.NextLba, d.SectorsLeft);
        BusMaster.EndTransfer(error: false, stayActive: false);
        Fail(d, error);
    }

    internal enum PrdResult : byte { Ok, TableTooShort, MemoryFault }

    /// <summary>
    /// Walks a PIIX Physical Region Descriptor table: 8-byte entries of {dword address (bit 0 ignored),
    /// word byte count (bit 0 ignored, 0 = 64 KiB), bit 31 of the second dword = end of table}. At most
    /// <see cref="MaxEntries"/> entries (one 4 KiB page, as QEMU bounds it) are read, so a table that never
    /// ends cannot keep the device busy; each entry moves at least 2 bytes, so the walk always progresses.
    /// </summary>
    internal struct PrdWalker(GuestMemory memory, uint table)
    {
        public const int MaxEntries = 512;

        private uint _address;
        private int _left;
        private bool _eot;

        /// <summary>Entries read so far.</summary>
        public int Entries { get; private set; }

        /// <summary>The end-of-table entry was reached and fully used.</summary>
        public readonly bool EndOfTableReached => _eot && _left == 0;

        /// <summary>Moves <paramref name="chunk"/> to (or fills it from) the regions the table describes.</summary>
        public PrdResult Move(Span<byte> chunk, bool toMemory)
        {
            int done = 0;
            while (done < chunk.Length)
            {
                if (_left == 0)
                {
                    if (_eot || Entries >= MaxEntries)
                        return PrdResult.TableTooShort;
                    ulong entry = (ulong)table + (ulong)Entries * 8;
                    Entries++;
                    if (!memory.TryReadDmaUInt32(entry, out uint address) || !memory.TryReadDmaUInt32(entry + 4, out uint control))
                        return PrdResult.MemoryFault;
                    _address = address & ~1u;
                    _left = (int)(control & 0xFFFE);
                    if (_left == 0)
                        _left = 0x1_0000;
                    _eot = (control & 0x8000_0000) != 0;
                    if ((_address & 0xFFFF) + (uint)_left > 0x1_0000)
                        return PrdResult.MemoryFault; // a region may not cross a 64 KiB boundary
                }
                int n = Math.Min(_left, chunk.Length - done);
                var piece = chunk.Slice(done, n);
                bool ok = toMemory ? memory.TryWriteDma(_address, piece) : memory.TryReadDma(_address, piece);
                if (!ok)
                    return PrdResult.MemoryFault;
                _address += (uint)n;
                _left -= n;
                done += n;
            }
            return PrdResult.Ok;
        }
    }
}
