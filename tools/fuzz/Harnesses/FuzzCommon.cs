using System.Buffers.Binary;
using Emu.Memory;

namespace Emu.Fuzz;

/// <summary>A property of the machine did not hold for this input (a crash, as far as AFL is concerned).</summary>
public sealed class FuzzPropertyException(string message) : Exception(message);

/// <summary>
/// Reads a fuzz input as a stream of little-endian values. Past the end every read gives 0 and
/// <see cref="AtEnd"/> is true, so any byte string decodes to some program and no input can make the
/// decoder itself fail.
/// </summary>
public ref struct FuzzInput(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly bool AtEnd => _pos >= _data.Length;
    public readonly int Remaining => Math.Max(0, _data.Length - _pos);

    public byte U8() => _pos < _data.Length ? _data[_pos++] : (byte)0;

    public ushort U16() => (ushort)(U8() | (U8() << 8));

    public uint U32() => U16() | ((uint)U16() << 16);

    public ulong U64() => U32() | ((ulong)U32() << 32);

    /// <summary>Up to <paramref name="count"/> bytes (fewer at the end of the input).</summary>
    public ReadOnlySpan<byte> Bytes(int count)
    {
        int n = Math.Min(count, Remaining);
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }

    /// <summary>One of <paramref name="values"/>, chosen by the next byte.</summary>
    public T Pick<T>(ReadOnlySpan<T> values) => values[U8() % values.Length];
}

/// <summary>Inputs for the deterministic versions of the targets: well-formed seed programs spliced with
/// random bytes, so that runs reach deep states (a DMA that completes) and then go astray from there.</summary>
public static class FuzzInputs
{
    public static byte[] Splice(Random rng, IReadOnlyList<byte[]> seeds, int length)
    {
        var bytes = new List<byte>(length + 64);
        while (bytes.Count < length)
        {
            if (rng.Next(3) != 0)
            {
                bytes.AddRange(seeds[rng.Next(seeds.Count)]);
            }
            else
            {
                var noise = new byte[rng.Next(1, 48)];
                rng.NextBytes(noise);
                bytes.AddRange(noise);
            }
            if (bytes.Count > 0 && rng.Next(4) == 0)
                bytes[rng.Next(bytes.Count)] = (byte)rng.Next(256); // and a mutation
        }
        return [.. bytes];
    }
}

/// <summary>
/// The "no access outside RAM" property: a copy of the backing bytes of every page that is not RAM (ROM,
/// MMIO windows, unmapped holes) taken before the run, compared after it. Device DMA goes only through
/// GuestMemory's checked accessors and CPU writes to ROM are dropped, so none of these bytes may change.
/// </summary>
public sealed class NonRamGuard
{
    private readonly GuestMemory _memory;
    private readonly List<(uint Start, byte[] Bytes)> _pages = [];

    public NonRamGuard(GuestMemory memory)
    {
        _memory = memory;
        for (uint page = 0; page < GuestMemory.Size; page += GuestMemory.PageSize)
        {
            if (memory.KindOf(page) != PageKind.Ram)
                _pages.Add((page, memory.Bytes.Slice((int)page, GuestMemory.PageSize).ToArray()));
        }
    }

    public int Pages => _pages.Count;

    public void Check(string when)
    {
        foreach (var (start, bytes) in _pages)
        {
            var now = _memory.Bytes.Slice((int)start, GuestMemory.PageSize);
            if (!now.SequenceEqual(bytes))
            {
                int at = now.CommonPrefixLength(bytes);
                throw new FuzzPropertyException(
                    $"{when}: {_memory.KindOf(start)} page {start:X5} changed at {start + (uint)at:X5} ({bytes[at]:X2} -> {now[at]:X2})");
            }
        }
    }

    /// <summary>Makes a page non-RAM of <paramref name="kind"/>, filled first with a recognisable pattern (so a write shows).</summary>
    public static void Place(GuestMemory memory, uint page, PageKind kind, byte seed)
    {
        Paint(memory, page, seed);
        memory.Map(page, GuestMemory.PageSize, kind);
    }

    /// <summary>Fills a page with a recognisable pattern before it is marked non-RAM (so a write shows).</summary>
    public static void Paint(GuestMemory memory, uint page, byte seed)
    {
        var span = memory.Bytes.Slice((int)page, GuestMemory.PageSize);
        for (int i = 0; i < span.Length; i++)
            span[i] = (byte)(seed + i * 7);
    }
}

/// <summary>Little-endian stores into guest RAM for the harnesses (they lay out tables as a driver would).</summary>
internal static class GuestBytes
{
    public static void W16(GuestMemory m, uint at, ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        Fill(m, at, b);
    }

    public static void W32(GuestMemory m, uint at, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        Fill(m, at, b);
    }

    public static void W64(GuestMemory m, uint at, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        Fill(m, at, b);
    }

    public static ushort R16(GuestMemory m, uint at) =>
        at + 2 <= GuestMemory.Size ? BinaryPrimitives.ReadUInt16LittleEndian(m.Bytes[(int)at..]) : (ushort)0;

    /// <summary>Copies into RAM only: the harness plays the guest's driver, which cannot write ROM either.</summary>
    public static void Fill(GuestMemory m, uint at, ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            uint a = at + (uint)i;
            if (a < GuestMemory.Size && m.KindOf(a) == PageKind.Ram)
                m.Bytes[(int)a] = data[i];
        }
    }
}
