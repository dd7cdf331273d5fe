using System.Buffers.Binary;
using Emu.Memory;

namespace Emu.Io.Virtio;

/// <summary>What is wrong with a request's layout. Only <see cref="DataWrongDirection"/> still has a usable
/// status byte (the request ends IOERR); the others are answered with used length 0 and nothing written.</summary>
internal enum BlockRequestError
{
    None,
    /// <summary>Fewer than two descriptors: no room for both a header and a status byte.</summary>
    TooFewDescriptors,
    HeaderWriteOnly,
    HeaderTooShort,
    HeaderUnreadable,
    StatusReadOnly,
    StatusEmpty,
    /// <summary>OUT data the device would have to write, or IN/GET_ID data it could only read.</summary>
    DataWrongDirection,
}

/// <summary>
/// A virtio-blk request as laid out in its chain (Firecracker's and rust-vmm's layout rule): the first
/// descriptor holds the 16-byte header {le32 type, le32 reserved, le64 sector} and is device-readable, the
/// last is device-writable and its final byte is the status, the ones between are the data buffers.
/// Parsing only reads the header: no data moves until <see cref="BlockRequestExecutor"/> runs it.
/// </summary>
internal readonly record struct BlockRequest(uint Type, ulong Sector, long DataLength, ulong StatusAddress, BlockRequestError Error)
{
    public const int HeaderSize = 16;

    /// <summary>The data descriptors are chain[1 .. Count-2].</summary>
    public static Range DataRange(DescriptorChain chain) => 1..Math.Max(1, chain.Count - 1);

    /// <summary>True when the status byte can be written (the request is answered with a status).</summary>
    public bool HasStatus => Error is BlockRequestError.None or BlockRequestError.DataWrongDirection;

    public static BlockRequest Parse(GuestMemory memory, DescriptorChain chain)
    {
        if (chain.Count < 2)
            return Malformed(BlockRequestError.TooFewDescriptors);
        var header = chain[0];
        if (header.IsWriteOnly)
            return Malformed(BlockRequestError.HeaderWriteOnly);
        if (header.Length < HeaderSize)
            return Malformed(BlockRequestError.HeaderTooShort);
        var status = chain[chain.Count - 1];
        if (!status.IsWriteOnly)
            return Malformed(BlockRequestError.StatusReadOnly);
        if (status.Length == 0)
            return Malformed(BlockRequestError.StatusEmpty);

        Span<byte> raw = stackalloc byte[HeaderSize];
        if (!memory.TryReadDma(header.Address, raw))
            return Malformed(BlockRequestError.HeaderUnreadable);
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(raw);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]);
        // The final byte of the last descriptor, so a status buffer longer than one byte still works.
        ulong statusAddress = status.Address + status.Length - 1;

        long dataLength = 0;
        bool allWritable = true, allReadable = true;
        foreach (var d in chain.Descriptors[DataRange(chain)])
        {
            dataLength += d.Length; // at most 254 × 4 GiB: no overflow in a long
            allWritable &= d.IsWriteOnly;
            allReadable &= !d.IsWriteOnly;
        }
        bool directionOk = type switch
        {
            VirtioBlockRequestType.Out => allReadable,
            VirtioBlockRequestType.In or VirtioBlockRequestType.GetId => allWritable,
            _ => true, // FLUSH ignores its data; unknown types are answered UNSUPP
        };
        return new BlockRequest(type, sector, dataLength, statusAddress,
            directionOk ? BlockRequestError.None : BlockRequestError.DataWrongDirection);
    }

    private static BlockRequest Malformed(BlockRequestError error) => new(0, 0, 0, 0, error);
}
