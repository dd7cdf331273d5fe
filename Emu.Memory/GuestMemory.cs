using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emu.Memory;

/// <summary>
/// Guest physical memory of a real-mode PC: 1 MiB of conventional memory plus the 64 KiB high
/// memory area behind the A20 gate. A page map says per 4 KiB page whether it is RAM, ROM, MMIO or
/// unmapped. With A20 off, addresses wrap at 1 MiB as on the 8086; with it on they reach 0x10FFEF
/// (the highest real-mode address), and anything above the HMA reads as an empty bus.
/// </summary>
public sealed unsafe partial class GuestMemory
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;
    /// <summary>1 MiB: where the 8086 address space ends and wraps.</summary>
    public const uint OneMiB = 0x10_0000;
    /// <summary>End of the high memory area (1 MiB + 64 KiB), the size of the backing store.</summary>
    public const uint Size = 0x11_0000;

    // Linear addresses handed to this class are at most 21 bits; the page map covers all of them so
    // that the hot path needs no separate bounds check (pages past the HMA are Unmapped).
    private const uint AddressSpace = 0x20_0000;
    /// <summary>Pages in the page map (the whole 21-bit address space).</summary>
    public const int PageCount = (int)(AddressSpace >> PageShift);
    private const uint A20OffMask = OneMiB - 1;
    private const uint A20OnMask = AddressSpace - 1;

    // The backing store (see GuestRamStore): a pinned array, or a file mapping that a device process
    // shares. Padded so that an unaligned 4-byte read starting in the last RAM page never leaves it.
    private readonly GuestRamStore _store;
    private readonly byte* _base;
    // Both pinned: PlainAccess reaches them through pointers.
    private readonly PageKind[] _pages = GC.AllocateArray<PageKind>((int)(AddressSpace >> PageShift), pinned: true);
    // Non-zero where a cached decoded instruction covers the byte (see ICodeWriteObserver).
    private readonly byte[] _codeMap = GC.AllocateArray<byte>((int)Size, pinned: true);
    private uint _addressMask = A20OffMask;

    /// <summary>Guest memory in a private, zeroed store.</summary>
    public GuestMemory()
        : this(GuestRamStore.CreatePrivate())
    {
    }

    /// <summary>Guest memory over <paramref name="store"/> (for example a <see cref="SharedRamStore"/> that a
    /// device process maps too). The caller owns the store and must keep it alive as long as this object.</summary>
    public GuestMemory(GuestRamStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _base = store.Pointer;
        SetPages(0, _pages.Length, PageKind.Unmapped);
        SetPages(0, (int)(Size >> PageShift), PageKind.Ram);
    }

    // A loop rather than Span.Fill, whose code for an enum of ours is JIT-compiled (not precompiled) at every start
    // (docs/PERFORMANCE.md, start-up); there are 512 pages.
    private void SetPages(int first, int count, PageKind kind)
    {
        for (int page = first; page < first + count; page++)
            _pages[page] = kind;
    }

    /// <summary>The handler that receives accesses to MMIO pages (the hypervisor's exit path).</summary>
    public IMmioHandler? MmioHandler { get; set; }

    /// <summary>Told when a byte marked as code is written.</summary>
    public ICodeWriteObserver? CodeWriteObserver { get; set; }

    /// <summary>The A20 gate. Off (the reset state): physical addresses wrap at 1 MiB.</summary>
    public bool A20Enabled
    {
        get => _addressMask == A20OnMask;
        set => _addressMask = value ? A20OnMask : A20OffMask;
    }

    /// <summary>The mask applied to every linear address: 0xFFFFF with A20 off.</summary>
    public uint AddressMask => _addressMask;

    /// <summary>The backing store (RAM, ROM and HMA bytes), for loaders, renderers and tests.</summary>
    public Span<byte> Bytes => new(_base, (int)Size);

    /// <summary>What holds the bytes (private, or shared with a device process).</summary>
    public GuestRamStore Store => _store;

    /// <summary>The page kinds of the whole address space, one per 4 KiB page (a device process gets a copy).</summary>
    public ReadOnlySpan<PageKind> PageKinds => _pages;

    /// <summary>What backs the page (a watched page answers with the kind under the watch).</summary>
    public PageKind KindOf(uint physicalAddress)
    {
        int page = (int)((physicalAddress & A20OnMask) >> PageShift);
        return _pages[page] == PageKind.Watched ? _watchedKinds![page] : _pages[page];
    }

    /// <summary>Sets what backs the pages covering [start, start+length); both page aligned.</summary>
    public void Map(uint start, uint length, PageKind kind)
    {
        if ((start | length) % PageSize != 0)
            throw new ArgumentException($"mapping {start:X}+{length:X} is not page aligned");
        if (start + length > Size || start + length < start)
            throw new ArgumentOutOfRangeException(nameof(length), $"mapping {start:X}+{length:X} is outside guest memory");
        SetPages((int)(start >> PageShift), (int)(length >> PageShift), kind);
    }

    /// <summary>Copies an image into memory regardless of page kind (firmware into ROM, programs into RAM).</summary>
    public void Load(uint physicalAddress, ReadOnlySpan<byte> image)
    {
        if (physicalAddress > Size || image.Length > Size - physicalAddress)
            throw new ArgumentOutOfRangeException(nameof(image), $"image of {image.Length} bytes does not fit at {physicalAddress:X5}");
        image.CopyTo(new Span<byte>(_base + physicalAddress, image.Length));
        NotifyCodeWrites(physicalAddress, image.Length);
    }

    // ---- CPU accesses: linear address in, A20 applied here, page kind decides the path ----

    /// <summary>What a plain access needs, and the test (see <see cref="PlainAccess"/>): valid until the A20 gate moves.</summary>
    public PlainAccess Plain
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_base,
            (PageKind*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pages)),
            (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_codeMap)),
            _addressMask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Read8(uint linear)
    {
        byte* p = Plain.Read(linear, 1);
        return p != null ? *p : (byte)SlowRead(linear & _addressMask, 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort Read16(uint linear)
    {
        byte* p = Plain.Read(linear, 2);
        return p != null ? Unsafe.ReadUnaligned<ushort>(p) : (ushort)SlowRead(linear & _addressMask, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read32(uint linear)
    {
        byte* p = Plain.Read(linear, 4);
        return p != null ? Unsafe.ReadUnaligned<uint>(p) : SlowRead(linear & _addressMask, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write8(uint linear, byte value)
    {
        byte* p = Plain.Write(linear, 1);
        if (p != null)
            *p = value;
        else
            SlowWrite(linear & _addressMask, 1, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write16(uint linear, ushort value)
    {
        byte* p = Plain.Write(linear, 2);
        if (p != null)
            Unsafe.WriteUnaligned(p, value);
        else
            SlowWrite(linear & _addressMask, 2, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write32(uint linear, uint value)
    {
        byte* p = Plain.Write(linear, 4);
        if (p != null)
            Unsafe.WriteUnaligned(p, value);
        else
            SlowWrite(linear & _addressMask, 4, value);
    }

    /// <summary>Reads a byte without side effects: RAM and ROM give their contents, anything else 0xFF.
    /// The instruction fetcher uses it so that decoding never touches a device.</summary>
    public byte Peek8(uint linear)
    {
        byte* p = Plain.Read(linear, 1);
        return p != null ? *p : PeekOther(linear & _addressMask);
    }

    private byte PeekOther(uint a) => KindOf(a) <= PageKind.Rom ? _base[a] : (byte)0xFF;

    private uint SlowRead(uint a, int size)
    {
        PageKind kind = _pages[a >> PageShift];
        // An MMIO access is handed over whole when it stays inside the page; one that straddles
        // into another page is split into bytes, each going where its own page says.
        if (kind == PageKind.Mmio && (a & (PageSize - 1)) <= PageSize - size)
            return MmioHandler?.MmioRead(a, size) ?? AllOnes(size);
        uint value = 0;
        for (int i = 0; i < size; i++)
            value |= (uint)ReadByteAnyKind((a + (uint)i) & _addressMask) << (8 * i);
        return value;
    }

    private byte ReadByteAnyKind(uint a) => _pages[a >> PageShift] switch
    {
        PageKind.Ram or PageKind.Rom => _base[a],
        PageKind.Mmio => (byte)(MmioHandler?.MmioRead(a, 1) ?? 0xFF),
        PageKind.Watched => WatchedRead(a), // GuestMemory.Watch.cs
        _ => 0xFF,
    };

    private void SlowWrite(uint a, int size, uint value)
    {
        PageKind kind = _pages[a >> PageShift];
        if (kind == PageKind.Mmio && (a & (PageSize - 1)) <= PageSize - size)
        {
            MmioHandler?.MmioWrite(a, size, value);
            return;
        }
        for (int i = 0; i < size; i++)
            WriteByteAnyKind((a + (uint)i) & _addressMask, (byte)(value >> (8 * i)));
    }

    private void WriteByteAnyKind(uint a, byte value)
    {
        switch (_pages[a >> PageShift])
        {
            case PageKind.Ram:
                _base[a] = value;
                if (_codeMap[a] != 0)
                    CodeWriteObserver?.CodeWritten(a);
                break;
            case PageKind.Mmio:
                MmioHandler?.MmioWrite(a, 1, value);
                break;
            case PageKind.Watched:
                WatchedWrite(a, value); // GuestMemory.Watch.cs
                break;
            default:
                break; // ROM and unmapped addresses ignore writes.
        }
    }

    /// <summary>What a read of <paramref name="size"/> bytes that nothing answers gives: all ones, as on an empty bus.</summary>
    public static uint AllOnes(int size) => size == 4 ? 0xFFFF_FFFF : (1u << (8 * size)) - 1;

    // ---- decoded-instruction cache support ----

    /// <summary>Marks bytes as covered by a cached decoded instruction; a later write to one is reported.</summary>
    public void MarkCode(uint physicalAddress, int length)
    {
        for (int i = 0; i < length; i++)
        {
            uint a = (physicalAddress + (uint)i) & A20OnMask;
            if (a < Size)
                _codeMap[a] = 1;
        }
    }

    /// <summary>Forgets every code mark (the cache was flushed).</summary>
    public void ClearCodeMarks() => Array.Clear(_codeMap);

    private void NotifyCodeWrites(uint start, int length)
    {
        if (CodeWriteObserver is null || length <= 0)
            return;
        var marks = _codeMap.AsSpan((int)start, length);
        int i = marks.IndexOfAnyExcept((byte)0);
        while (i >= 0)
        {
            CodeWriteObserver.CodeWritten(start + (uint)i);
            int next = marks[(i + 1)..].IndexOfAnyExcept((byte)0);
            i = next < 0 ? -1 : i + 1 + next;
        }
    }

    // ---- device DMA: bounds-checked, RAM only, never MMIO or outside guest memory ----

    /// <summary>Copies guest RAM into <paramref name="destination"/>; false (and nothing copied) if any
    /// byte of the range is not RAM or lies outside guest memory.</summary>
    public bool TryReadDma(ulong physicalAddress, Span<byte> destination)
    {
        if (!IsRamRange(physicalAddress, destination.Length))
            return false;
        new ReadOnlySpan<byte>(_base + physicalAddress, destination.Length).CopyTo(destination);
        return true;
    }

    /// <summary>Copies <paramref name="source"/> into guest RAM; false (and nothing written) if any
    /// byte of the range is not RAM or lies outside guest memory.</summary>
    public bool TryWriteDma(ulong physicalAddress, ReadOnlySpan<byte> source)
    {
        if (!IsRamRange(physicalAddress, source.Length))
            return false;
        source.CopyTo(new Span<byte>(_base + physicalAddress, source.Length));
        NotifyCodeWrites((uint)physicalAddress, source.Length);
        DmaWriteObserver?.DmaWritten((uint)physicalAddress, source.Length);
        return true;
    }

    /// <summary>Told of every successful <see cref="TryWriteDma"/> (a device process reports those ranges to the
    /// VMM, whose decoded-instruction cache must forget code the device overwrote).</summary>
    public IDmaWriteObserver? DmaWriteObserver { get; set; }

    /// <summary>Someone outside this object (a device process sharing the store) wrote guest RAM in
    /// [address, address+length): cached decoded instructions over those bytes are dropped. False (and nothing
    /// done) when the range is not wholly RAM: such a report is wrong.</summary>
    public bool NoteExternalWrite(ulong physicalAddress, int length)
    {
        if (!IsRamRange(physicalAddress, length))
            return false;
        NotifyCodeWrites((uint)physicalAddress, length);
        return true;
    }

    /// <summary>True when every byte of [address, address+length) is guest RAM.</summary>
    public bool IsRamRange(ulong physicalAddress, long length)
    {
        if (length < 0 || physicalAddress > Size || (ulong)length > Size - physicalAddress)
            return false;
        if (length == 0)
            return true;
        int first = (int)(physicalAddress >> PageShift);
        int last = (int)((physicalAddress + (ulong)length - 1) >> PageShift);
        for (int page = first; page <= last; page++)
        {
            if (KindOf((uint)page << PageShift) != PageKind.Ram)
                return false;
        }
        return true;
    }

    /// <summary>True when every page [address, address+length) touches is mapped as RAM as the map is now (a watched
    /// page is not: its accesses go through the watch); the range is inside the address space.</summary>
    public bool IsMappedRam(uint address, uint length)
    {
        for (uint page = address >> PageShift; page <= (address + length - 1) >> PageShift; page++)
        {
            if (_pages[page] != PageKind.Ram)
                return false;
        }
        return true;
    }

    /// <summary>Little-endian helpers for devices that walk guest structures (PRD tables, rings).</summary>
    public bool TryReadDmaUInt16(ulong address, out ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        bool ok = TryReadDma(address, b);
        value = ok ? BinaryPrimitives.ReadUInt16LittleEndian(b) : (ushort)0;
        return ok;
    }

    public bool TryReadDmaUInt32(ulong address, out uint value)
    {
        Span<byte> b = stackalloc byte[4];
        bool ok = TryReadDma(address, b);
        value = ok ? BinaryPrimitives.ReadUInt32LittleEndian(b) : 0;
        return ok;
    }
}
