using System.Buffers.Binary;
using System.Text;
using Emu.Io.Common;
using Emu.Io.Storage;
using Emu.Memory;

namespace Emu.Io.Virtio;

/// <summary>
/// virtio-blk (device ID 2) over any <see cref="IBlockBackend"/>: one request queue, FLUSH, GET_ID, and
/// VIRTIO_BLK_F_RO when the backend is read-only. Each request is parsed (<see cref="BlockRequest"/>)
/// apart from being executed (<see cref="BlockRequestExecutor"/>). Put it behind a
/// <see cref="VirtioMmioTransport"/>, which owns the rings and the interrupt.
/// </summary>
public sealed class VirtioBlockDevice : IVirtioDevice
{
    public const uint BlockDeviceId = 2;
    /// <summary>seg_max: a chain of at most 256 descriptors holds a header, a status and 254 data buffers.</summary>
    public const uint SegMax = DescriptorChain.Capacity - 2;

    // virtio_blk_config: le64 capacity, le32 size_max, le32 seg_max, {le16 cylinders, u8 heads, u8 sectors}
    // geometry, le32 blk_size. Fields past these (topology, writeback...) belong to features not offered.
    private const int ConfigBytes = 24;

    private readonly GuestMemory _memory;
    private readonly byte[] _config = new byte[ConfigBytes];
    private readonly BlockRequestExecutor _executor;

    public VirtioBlockDevice(GuestMemory memory, IBlockBackend backend, string serial = "EMU-VIRTIO-BLK")
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(backend);
        _memory = memory;
        Backend = backend;
        _executor = new BlockRequestExecutor(memory, backend, Encoding.ASCII.GetBytes(serial), Counters);
        BinaryPrimitives.WriteUInt64LittleEndian(_config, (ulong)backend.SectorCount);
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(12), SegMax);
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(20), IBlockBackend.SectorSize);
        OfferedFeatures = VirtioFeature.Bit(VirtioFeature.Version1)
            | VirtioFeature.Bit(VirtioFeature.EventIdx)
            | VirtioFeature.Bit(VirtioFeature.IndirectDesc)
            | VirtioFeature.Bit(VirtioBlockFeature.Flush)
            | VirtioFeature.Bit(VirtioBlockFeature.SegMax)
            | VirtioFeature.Bit(VirtioBlockFeature.BlkSize)
            | (backend.ReadOnly ? VirtioFeature.Bit(VirtioBlockFeature.ReadOnly) : 0);
    }

    public string Name => "virtio-blk";
    public IBlockBackend Backend { get; }
    public uint DeviceId => BlockDeviceId;
    public ulong OfferedFeatures { get; }
    public int QueueCount => 1;
    public int ConfigSize => ConfigBytes;
    public VirtioBlockCounters Counters { get; } = new();
    public IDeviceEventSink? Events { get; set; }

    public void ReadConfig(uint offset, Span<byte> data)
    {
        data.Clear();
        if (offset < ConfigBytes)
        {
            var source = _config.AsSpan((int)offset);
            source[..Math.Min(source.Length, data.Length)].CopyTo(data);
        }
    }

    /// <summary>No field is writable without VIRTIO_BLK_F_CONFIG_WCE, which is not offered.</summary>
    public void WriteConfig(uint offset, ReadOnlySpan<byte> data)
    {
    }

    public uint Process(int queueIndex, DescriptorChain chain)
    {
        var request = BlockRequest.Parse(_memory, chain);
        Counters.RequestsCompleted++;
        if (!request.HasStatus)
        {
            Counters.RequestErrors++;
            Events?.Note(Name, $"request head={chain.Head} malformed ({request.Error}): no status, len 0");
            return 0;
        }
        uint used = _executor.Execute(request, chain, out byte status);
        if (status != VirtioBlockStatus.Ok || used == 0)
            Counters.RequestErrors++;
        Events?.Note(Name, $"request {VirtioBlockRequestType.NameOf(request.Type)} sector={request.Sector} len={request.DataLength} status={status}"
            + (request.Error == BlockRequestError.None ? "" : $" ({request.Error})"));
        return used;
    }

    public void Reset()
    {
    }
}
