using System.Buffers.Binary;

namespace Emu.Io.Virtio;

/// <summary>One split-ring descriptor: <c>{le64 addr, le32 len, le16 flags, le16 next}</c>, 16 bytes.</summary>
public readonly record struct VirtqDescriptor(ulong Address, uint Length, ushort Flags, ushort Next)
{
    public const int Size = 16;

    public bool HasNext => (Flags & VirtqDescFlags.Next) != 0;
    public bool IsWriteOnly => (Flags & VirtqDescFlags.Write) != 0;
    public bool IsIndirect => (Flags & VirtqDescFlags.Indirect) != 0;

    public static VirtqDescriptor Parse(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(b),
        BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
        BinaryPrimitives.ReadUInt16LittleEndian(b[12..]),
        BinaryPrimitives.ReadUInt16LittleEndian(b[14..]));
}

/// <summary>
/// The descriptors of one request, already walked and checked by <see cref="SplitVirtqueue"/>: every
/// buffer lies wholly in guest RAM, indirect tables are flattened, the count is at most
/// <see cref="Capacity"/>. One instance per queue is reused for every request, so walking a chain
/// allocates nothing.
/// </summary>
public sealed class DescriptorChain
{
    /// <summary>The most descriptors a chain may have: the largest queue, and the largest indirect table.</summary>
    public const int Capacity = SplitVirtqueue.MaxSizeLimit;

    private readonly VirtqDescriptor[] _items = new VirtqDescriptor[Capacity];

    /// <summary>The head index the driver put in the available ring (what goes back in the used ring).</summary>
    public ushort Head { get; internal set; }

    public int Count { get; private set; }

    /// <summary>Sum of all buffer lengths (at most 256 × 4 GiB, so it fits a long without overflow).</summary>
    public long TotalLength { get; private set; }

    public ReadOnlySpan<VirtqDescriptor> Descriptors => _items.AsSpan(0, Count);

    public VirtqDescriptor this[int index] => Descriptors[index];

    internal void Clear(ushort head)
    {
        Head = head;
        Count = 0;
        TotalLength = 0;
    }

    /// <summary>False when the chain is already full (the caller's hop budget should make that impossible).</summary>
    internal bool TryAdd(in VirtqDescriptor d)
    {
        if (Count >= Capacity)
            return false;
        _items[Count++] = d;
        // checked as a tripwire only: 256 descriptors of at most 4 GiB cannot overflow a long.
        TotalLength = checked(TotalLength + d.Length);
        return true;
    }
}
