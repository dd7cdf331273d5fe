using Emu.Io.Storage;
using Emu.Memory;

namespace Emu.Io.Virtio;

/// <summary>
/// Runs parsed virtio-blk requests against a backend. Data moves descriptor by descriptor in chunks of a
/// fixed 64 KiB scratch buffer allocated once, so a request's guest-given length never sizes a host
/// allocation. The checks that need the disk (length a multiple of 512, sector range, read-only) are here.
/// </summary>
internal sealed class BlockRequestExecutor
{
    public const int ScratchSize = 64 * 1024;
    public const int SerialLength = 20;

    private readonly GuestMemory _memory;
    private readonly IBlockBackend _backend;
    private readonly byte[] _scratch = new byte[ScratchSize];
    private readonly byte[] _serial;

    public BlockRequestExecutor(GuestMemory memory, IBlockBackend backend, ReadOnlySpan<byte> serial, VirtioBlockCounters counters)
    {
        _memory = memory;
        _backend = backend;
        _serial = new byte[SerialLength];
        serial[..Math.Min(serial.Length, SerialLength)].CopyTo(_serial);
        Counters = counters;
    }

    public VirtioBlockCounters Counters { get; }

    /// <summary>
    /// Executes <paramref name="request"/> (which must have a status) and writes its status byte. Returns the
    /// used length: data bytes written into the chain plus the status byte, or 0 if even the status could
    /// not be written.
    /// </summary>
    public uint Execute(in BlockRequest request, DescriptorChain chain, out byte status)
    {
        long written = 0;
        status = request.Error == BlockRequestError.DataWrongDirection
            ? VirtioBlockStatus.IoErr
            : request.Type switch
            {
                VirtioBlockRequestType.In => Transfer(request, chain, toGuest: true, ref written),
                VirtioBlockRequestType.Out => Transfer(request, chain, toGuest: false, ref written),
                VirtioBlockRequestType.Flush => Flush(),
                VirtioBlockRequestType.GetId => GetId(chain, ref written),
                _ => VirtioBlockStatus.Unsupp,
            };
        ReadOnlySpan<byte> statusByte = [status];
        if (!_memory.TryWriteDma(request.StatusAddress, statusByte))
            return 0;
        // written ≤ the chain's writable bytes, which a used element's le32 may not hold: clamp (len is a hint).
        return (uint)Math.Min(written + 1, uint.MaxValue);
    }

    private byte Transfer(in BlockRequest request, DescriptorChain chain, bool toGuest, ref long written)
    {
        if (request.DataLength % IBlockBackend.SectorSize != 0)
            return VirtioBlockStatus.IoErr;
        ulong capacity = (ulong)_backend.SectorCount;
        ulong sectors = (ulong)request.DataLength / IBlockBackend.SectorSize;
        if (request.Sector > capacity || sectors > capacity - request.Sector)
            return VirtioBlockStatus.IoErr;
        if (!toGuest && _backend.ReadOnly)
            return VirtioBlockStatus.IoErr;

        long offset = (long)request.Sector * IBlockBackend.SectorSize; // ≤ capacity in bytes: fits a long
        foreach (var d in chain.Descriptors[BlockRequest.DataRange(chain)])
        {
            for (long done = 0; done < d.Length;)
            {
                int n = (int)Math.Min(ScratchSize, d.Length - done);
                var chunk = _scratch.AsSpan(0, n);
                ulong address = d.Address + (ulong)done;
                if (toGuest)
                {
                    if (_backend.Read(offset, chunk) != BlockStatus.Ok || !_memory.TryWriteDma(address, chunk))
                        return VirtioBlockStatus.IoErr;
                    written += n;
                    Counters.BytesRead += n;
                }
                else
                {
                    if (!_memory.TryReadDma(address, chunk) || _backend.Write(offset, chunk) != BlockStatus.Ok)
                        return VirtioBlockStatus.IoErr;
                    Counters.BytesWritten += n;
                }
                offset += n;
                done += n;
            }
        }
        return VirtioBlockStatus.Ok;
    }

    private byte Flush()
    {
        Counters.Flushes++;
        return _backend.Flush() == BlockStatus.Ok ? VirtioBlockStatus.Ok : VirtioBlockStatus.IoErr;
    }

    /// <summary>The 20-byte serial, zero padded (no terminator when all 20 are used), cut short by a smaller buffer.</summary>
    private byte GetId(DescriptorChain chain, ref long written)
    {
        int done = 0;
        foreach (var d in chain.Descriptors[BlockRequest.DataRange(chain)])
        {
            int n = (int)Math.Min(d.Length, (uint)(SerialLength - done));
            if (n == 0)
                break;
            if (!_memory.TryWriteDma(d.Address, _serial.AsSpan(done, n)))
                return VirtioBlockStatus.IoErr;
            done += n;
        }
        written += done;
        return VirtioBlockStatus.Ok;
    }
}
