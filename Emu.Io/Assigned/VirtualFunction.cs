using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Emu.Io.Storage;
using Emu.Memory;

namespace Emu.Io.Assigned;

/// <summary>
/// One virtual function of the <see cref="PhysicalFunction"/>: its own register page, submission and completion
/// rings, doorbell, interrupt vector, IOMMU domain and LBA window of the backing image. Assigned to one guest, its
/// register page is a page of that guest's RAM (no trap: the guest's stores land in memory and the device's worker
/// sees them), its DMA goes through <see cref="Domain"/> into the device server's host-physical memory, and its
/// completions are posted interrupts in the VMM's private page. All of it runs on the PF's worker thread under the
/// PF's lock; the session that owns the guest only attaches, programs the IOMMU and detaches.
/// Every guest-written value is read once and checked before use: a hostile guest gets an error status, a counted
/// fault, or a stopped VF, and nothing else.
/// </summary>
public sealed unsafe class VirtualFunction
{
    private readonly PhysicalFunction _pf;
    private GuestRamStore? _store;
    private NotificationSender? _notifier;
    private bool _enabled, _stopped;
    private uint _head, _completed, _size, _submissions, _completions, _lastDoorbell;

    internal VirtualFunction(PhysicalFunction pf, int number, long firstSector, long sectors)
    {
        _pf = pf;
        Number = number;
        FirstSector = firstSector;
        Sectors = sectors;
    }

    public int Number { get; }
    public string Name => $"vf{Number}";

    /// <summary>The window of the backing image this VF reads and writes: its LBA 0 is image sector <see cref="FirstSector"/>.</summary>
    public long FirstSector { get; }
    public long Sectors { get; }

    /// <summary>The VF's IOMMU domain (programmed by the VMM of the guest it is assigned to).</summary>
    public IommuDomain Domain { get; } = new();

    /// <summary>Whether a guest has it.</summary>
    public bool Assigned => _store is not null;

    /// <summary>Whether device events are sent to the VMM (it traces).</summary>
    internal bool Tracing { get; set; }

    internal void Attach(GuestRamStore store)
    {
        _store = store;
        _pf.Memory.Attach(Number, store);
        ResetState();
        new Span<byte>(store.Pointer + VfLayout.Counters, (int)VfCounter.Count * 8).Clear();
        new Span<byte>(store.Pointer + VfLayout.PostedDescriptor, 36).Clear();
    }

    internal void Detach()
    {
        _pf.Memory.Detach(Number);
        Domain.Clear();
        _notifier?.Dispose();
        _notifier = null;
        _store = null;
        Tracing = false;
    }

    internal void UseNotifier(NotificationSender notifier)
    {
        _notifier?.Dispose();
        _notifier = notifier;
    }

    /// <summary>A machine reset of the guest: the VF returns to its reset state (its outstanding requests aborted).</summary>
    internal void MachineReset()
    {
        if (_store is not null)
            Reset();
    }

    // ---- the worker's view: one pass over the VF, at most a queue's worth of requests (fair among the VFs) ----

    /// <summary>Does what the register page asks; true when there was work.</summary>
    internal bool Service(byte[] scratch)
    {
        if (_store is null)
            return false;
        uint control = Reg(VfLayout.Control);
        if ((control & VfLayout.ControlReset) != 0)
        {
            Reset();
            return true;
        }
        if (!_enabled)
            return (control & VfLayout.ControlEnable) != 0 && Enable();
        if (_stopped)
            return false;
        uint doorbell = Reg(VfLayout.Doorbell);
        if (doorbell == _head)
            return false;
        if (doorbell != _lastDoorbell)
        {
            _lastDoorbell = doorbell;
            Count(VfCounter.Doorbells);
            if (Tracing)
                Note($"doorbell {doorbell} seen (a store to {VfLayout.RegisterPage + VfLayout.Doorbell:X5}, no exit); {doorbell - _head} to do");
        }
        if (doorbell - _head > _size)
        {
            Stop(VfError.DoorbellOverrun, doorbell);
            return true;
        }
        for (uint budget = _size; budget > 0 && _head != doorbell && !_stopped; budget--)
            RunOne(scratch);
        return true;
    }

    private bool Enable()
    {
        uint size = Reg(VfLayout.QueueSize), sq = Reg(VfLayout.SubmissionBase), cq = Reg(VfLayout.CompletionBase);
        _head = _completed = _lastDoorbell = 0;
        _enabled = true;
        if (size is 0 or > VfLayout.MaxQueue || (size & (size - 1)) != 0 || sq % VfLayout.SubmissionEntry != 0 || cq % VfLayout.CompletionEntry != 0)
        {
            Stop(VfError.QueueConfig, size);
            return true;
        }
        _size = size;
        _submissions = sq;
        _completions = cq;
        SetReg(VfLayout.Status, VfLayout.StatusEnabled);
        if (Tracing)
            Note($"enabled: {size} entries, submissions at {sq:X}, completions at {cq:X}, window {Sectors} sectors at image sector {FirstSector}");
        return true;
    }

    private void RunOne(byte[] scratch)
    {
        uint index = _head;
        ulong entryIova = _submissions + (index & (_size - 1)) * (uint)VfLayout.SubmissionEntry;
        Span<byte> entry = stackalloc byte[VfLayout.SubmissionEntry];
        if (!Dma(entryIova, entry, write: false, "submission entry"))
        {
            Stop(VfError.SubmissionFault, (uint)entryIova);
            return;
        }
        byte op = entry[0];
        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
        uint lba = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
        int sectors = BinaryPrimitives.ReadUInt16LittleEndian(entry[8..]);
        uint buffer = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);
        var status = Execute(op, lba, sectors, buffer, scratch);
        Count(VfCounter.Requests);
        if (status == VfStatus.IommuFault)
            Count(VfCounter.IommuFaults);
        else if (status != VfStatus.Ok)
            Count(VfCounter.Errors);
        if (Complete(tag, status, index))
            _head = index + 1;
    }

    private VfStatus Execute(byte op, uint lba, int sectors, uint buffer, byte[] scratch)
    {
        if (op is not (VfLayout.OpRead or VfLayout.OpWrite) || sectors is 0 or > VfLayout.MaxSectors)
        {
            if (Tracing)
                Note($"request op={op} sectors={sectors}: bad request");
            return VfStatus.BadRequest;
        }
        bool read = op == VfLayout.OpRead;
        string What() => $"{(read ? "read" : "write")} lba={lba} sectors={sectors} buffer={buffer:X}";
        if ((ulong)lba + (ulong)sectors > (ulong)Sectors)
        {
            if (Tracing)
                Note($"{What()}: outside the window of {Sectors} sectors");
            return VfStatus.OutOfWindow;
        }
        int length = sectors * VfLayout.SectorSize;
        // Every page of the buffer is translated before a byte moves, so a fault transfers nothing.
        if (!CheckBuffer(buffer, length, write: read))
        {
            if (Tracing)
                Note($"{What()}: IOMMU fault");
            return VfStatus.IommuFault;
        }
        if (Tracing)
            Note(What());
        var data = scratch.AsSpan(0, length);
        long offset = (FirstSector + lba) * VfLayout.SectorSize;
        if (read)
        {
            if (_pf.Backend.Read(offset, data) != BlockStatus.Ok)
                return VfStatus.IoError;
            return Dma(buffer, data, write: true, null) ? VfStatus.Ok : VfStatus.IommuFault;
        }
        if (!Dma(buffer, data, write: false, null))
            return VfStatus.IommuFault;
        return _pf.Backend.Write(offset, data) == BlockStatus.Ok ? VfStatus.Ok : VfStatus.IoError;
    }

    private bool CheckBuffer(ulong iova, int length, bool write)
    {
        for (ulong page = iova & ~(ulong)(IommuDomain.PageSize - 1); page < iova + (ulong)length; page += IommuDomain.PageSize)
        {
            if (!Domain.Translate(Math.Max(page, iova), write, out _))
                return false;
        }
        return true;
    }

    private bool Complete(ushort tag, VfStatus status, uint index)
    {
        Span<byte> entry = stackalloc byte[VfLayout.CompletionEntry];
        BinaryPrimitives.WriteUInt16LittleEndian(entry, tag);
        entry[2] = (byte)status;
        entry[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], index);
        ulong iova = _completions + (_completed & (_size - 1)) * (uint)VfLayout.CompletionEntry;
        if (!Dma(iova, entry, write: true, "completion entry"))
        {
            Stop(VfError.CompletionFault, (uint)iova);
            return false;
        }
        _completed++;
        SetReg(VfLayout.CompletionTail, _completed);
        if (Tracing)
            Note($"completion {_completed - 1}: tag {tag} {status}");
        PostInterrupt();
        return true;
    }

    /// <summary>Moves <paramref name="data"/> between the device and the IOVA range, page by page through the IOMMU;
    /// false (counted, nothing moved past the fault) when a page is not mapped for the direction.</summary>
    private bool Dma(ulong iova, Span<byte> data, bool write, string? what)
    {
        int done = 0;
        while (done < data.Length)
        {
            ulong at = iova + (ulong)done;
            int chunk = (int)Math.Min((ulong)(data.Length - done), IommuDomain.PageSize - (at & (IommuDomain.PageSize - 1)));
            Count(VfCounter.IommuTranslations);
            Span<byte> target = Domain.Translate(at, write, out ulong host) ? _pf.Memory.At(host, chunk) : [];
            if (target.IsEmpty)
            {
                Count(VfCounter.IommuFaults);
                if (Tracing)
                    Note($"iommu fault: {(write ? "write" : "read")} of {chunk} bytes at IOVA {at:X}{(what is null ? "" : $" ({what})")}");
                return false;
            }
            if (Tracing)
                Note($"iommu: {(write ? "write" : "read")} IOVA {at:X} → host {host:X} ({chunk} bytes{(what is null ? "" : $", {what}")})");
            if (write)
                data.Slice(done, chunk).CopyTo(target);
            else
                target.CopyTo(data.Slice(done, chunk));
            done += chunk;
        }
        return true;
    }

    private void PostInterrupt()
    {
        uint interrupt = Reg(VfLayout.Interrupt);
        if ((interrupt & VfLayout.InterruptEnable) == 0)
            return;
        byte vector = (byte)interrupt;
        if (Tracing)
            Note($"posts interrupt vector {vector:X2}h"); // before the bit is set, so the trace has it first as a rule
        byte* descriptor = _store!.Pointer + VfLayout.PostedDescriptor;
        Interlocked.Or(ref Unsafe.AsRef<uint>(descriptor + vector / 32 * 4), 1u << (vector % 32));
        Count(VfCounter.PostedInterrupts);
        if (Interlocked.Exchange(ref Unsafe.AsRef<uint>(_store.Pointer + VfLayout.PostedOn), 1) == 0)
        {
            Count(VfCounter.Notifications);
            _notifier?.Notify();
        }
    }

    private void Stop(VfError error, uint address)
    {
        _stopped = true;
        Count(VfCounter.Errors);
        SetReg(VfLayout.ErrorCode, (uint)error);
        SetReg(VfLayout.ErrorAddress, address);
        SetReg(VfLayout.Status, (_enabled ? VfLayout.StatusEnabled : 0) | VfLayout.StatusError);
        if (Tracing)
            Note($"stopped: {error} at {address:X}");
        PostInterrupt();
    }

    /// <summary>The VF's reset (the driver's control bit, or the machine's): outstanding requests complete as
    /// Aborted while the rings are still usable, then every register returns to its reset value.</summary>
    private void Reset()
    {
        if (_enabled && !_stopped)
        {
            uint doorbell = Reg(VfLayout.Doorbell);
            int aborted = 0;
            Span<byte> entry = stackalloc byte[VfLayout.SubmissionEntry];
            if (doorbell - _head <= _size)
            {
                for (; _head != doorbell && !_stopped; aborted++)
                {
                    uint index = _head;
                    ushort tag = Dma(_submissions + (index & (_size - 1)) * (uint)VfLayout.SubmissionEntry, entry, false, "submission entry")
                        ? BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]) : (ushort)0xFFFF;
                    Count(VfCounter.Errors);
                    if (!Complete(tag, VfStatus.Aborted, index))
                        break;
                    _head = index + 1;
                }
            }
            if (Tracing)
                Note($"reset: {aborted} outstanding requests aborted");
        }
        else
        {
            Note("reset");
        }
        ResetState();
    }

    private void ResetState()
    {
        _enabled = _stopped = false;
        _head = _completed = _lastDoorbell = _size = 0;
        var page = new Span<byte>(_store!.Pointer + VfLayout.RegisterPage, (int)VfLayout.PageLength);
        page.Clear();
        SetReg(VfLayout.Magic, VfLayout.MagicValue);
        SetReg(VfLayout.Number, (uint)Number | (uint)VfLayout.VersionValue << 16);
        SetReg(VfLayout.WindowSectors, (uint)Math.Min(Sectors, uint.MaxValue));
        SetReg(VfLayout.MaxQueueSize, VfLayout.MaxQueue);
    }

    // ---- the register page and counters: memory shared with the guest and its VMM ----

    private uint Reg(int offset) => Volatile.Read(ref Unsafe.AsRef<uint>(_store!.Pointer + VfLayout.RegisterPage + offset));

    private void SetReg(int offset, uint value) => Volatile.Write(ref Unsafe.AsRef<uint>(_store!.Pointer + VfLayout.RegisterPage + offset), value);

    private void Count(VfCounter counter)
    {
        ref long c = ref Unsafe.AsRef<long>(_store!.Pointer + VfLayout.Counters + (int)counter * 8);
        Volatile.Write(ref c, c + 1);
    }

    private void Note(string what)
    {
        if (Tracing)
            _notifier?.Note(0, Name, what);
    }
}
