namespace Emu.Io.Virtio;

/// <summary>Why a descriptor chain could not be walked. Such a chain is returned to the used ring with length 0.</summary>
internal enum ChainError
{
    None,
    HeadOutOfRange,
    NextOutOfRange,
    /// <summary>More hops than the table has entries: the chain loops.</summary>
    Loop,
    BufferOutsideRam,
    DescriptorUnreadable,
    IndirectNotNegotiated,
    /// <summary>INDIRECT together with NEXT, or an indirect descriptor that is not the head.</summary>
    IndirectMisplaced,
    /// <summary>An indirect table of length 0, not a multiple of 16, or over 256 entries.</summary>
    IndirectBadLength,
    NestedIndirect,
}

internal sealed partial class SplitVirtqueue
{
    /// <summary>
    /// Walks the chain starting at <paramref name="head"/> into <see cref="Chain"/>. Every index is checked
    /// against the table it indexes, the walk has a hop budget equal to the table's size (which is what
    /// ends a descriptor loop), an indirect table is accepted only as the sole descriptor at the head
    /// (no NEXT), with a length that is a non-zero multiple of 16 and at most 256 entries, and holds no
    /// further indirect descriptor. Every buffer must lie wholly in guest RAM.
    /// </summary>
    public ChainError ReadChain(ushort head)
    {
        var chain = Chain;
        chain.Clear(head);
        if (!Ready || head >= Size)
            return ChainError.HeadOutOfRange;
        if (!TryReadDescriptor(DescTable, head, out var first))
            return ChainError.DescriptorUnreadable;
        if (first.IsIndirect)
            return ReadIndirect(first);
        return Walk(DescTable, Size, first);
    }

    private ChainError ReadIndirect(in VirtqDescriptor d)
    {
        if (!IndirectAllowed)
            return ChainError.IndirectNotNegotiated;
        if (d.HasNext)
            return ChainError.IndirectMisplaced;
        if (d.Length == 0 || d.Length % VirtqDescriptor.Size != 0 || d.Length / VirtqDescriptor.Size > DescriptorChain.Capacity)
            return ChainError.IndirectBadLength;
        if (!_memory.IsRamRange(d.Address, d.Length))
            return ChainError.BufferOutsideRam;
        uint entries = d.Length / VirtqDescriptor.Size;
        if (!TryReadDescriptor(d.Address, 0, out var first))
            return ChainError.DescriptorUnreadable;
        return Walk(d.Address, entries, first);
    }

    /// <summary>Follows NEXT links through one table of <paramref name="entries"/> descriptors, at most that many
    /// hops. Only the head of the queue's own table may be indirect, and that case never gets here.</summary>
    private ChainError Walk(ulong table, uint entries, VirtqDescriptor d)
    {
        for (uint hops = 1; ; hops++)
        {
            if (d.IsIndirect)
                return table == DescTable ? ChainError.IndirectMisplaced : ChainError.NestedIndirect;
            if (!_memory.IsRamRange(d.Address, d.Length))
                return ChainError.BufferOutsideRam;
            if (!Chain.TryAdd(d))
                return ChainError.Loop;
            if (!d.HasNext)
                return ChainError.None;
            if (hops >= entries)
                return ChainError.Loop;
            if (d.Next >= entries)
                return ChainError.NextOutOfRange;
            if (!TryReadDescriptor(table, d.Next, out d))
                return ChainError.DescriptorUnreadable;
        }
    }

    private bool TryReadDescriptor(ulong table, uint index, out VirtqDescriptor d)
    {
        Span<byte> raw = stackalloc byte[VirtqDescriptor.Size];
        if (!_memory.TryReadDma(table + (ulong)index * VirtqDescriptor.Size, raw))
        {
            d = default;
            return false;
        }
        d = VirtqDescriptor.Parse(raw);
        return true;
    }
}
