using System.Runtime.CompilerServices;

namespace Emu.Memory;

/// <summary>
/// The one test of whether a CPU access may go straight to the bytes (a "plain" access), over what it needs: the
/// backing store, the page map, the code marks and the A20 mask. A plain read lies in one RAM or ROM page; a plain
/// write lies in one RAM page and covers no byte of cached code. Anything else (MMIO, a watched or unmapped page, a
/// write to ROM or into code, an access that crosses a page) takes <see cref="GuestMemory"/>'s slow paths.
/// </summary>
/// <remarks>
/// <see cref="GuestMemory"/>'s own reads and writes use it, and so do compiled blocks, which keep a copy in a local
/// (see <see cref="GuestMemory.Plain"/>): the pointers stay valid for the memory's lifetime, the mask only until the
/// A20 gate moves, so a copy must be taken again after anything that may have moved it.
/// </remarks>
public readonly unsafe struct PlainAccess
{
    private readonly byte* _bytes;
    private readonly PageKind* _pages;
    private readonly byte* _codeMarks;
    private readonly uint _addressMask;

    internal PlainAccess(byte* bytes, PageKind* pages, byte* codeMarks, uint addressMask)
    {
        _bytes = bytes;
        _pages = pages;
        _codeMarks = codeMarks;
        _addressMask = addressMask;
    }

    /// <summary>The bytes a <paramref name="size"/>-byte read at <paramref name="linear"/> reads, or null when the read
    /// is not plain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Read(uint linear, int size) => CanRead(linear, size) ? At(linear) : null;

    /// <summary>The bytes a <paramref name="size"/>-byte write at <paramref name="linear"/> writes, or null when the
    /// write is not plain. A read-modify-write that gets them may read them too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Write(uint linear, int size) => CanWrite(linear, size) ? At(linear) : null;

    /// <summary>True when a <paramref name="size"/>-byte read at <paramref name="linear"/> is plain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CanRead(uint linear, int size)
    {
        uint a = linear & _addressMask;
        return (a & (GuestMemory.PageSize - 1)) <= GuestMemory.PageSize - size && _pages[a >> GuestMemory.PageShift] <= PageKind.Rom;
    }

    /// <summary>True when a <paramref name="size"/>-byte write (or read-modify-write) at <paramref name="linear"/> is plain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CanWrite(uint linear, int size)
    {
        uint a = linear & _addressMask;
        return (a & (GuestMemory.PageSize - 1)) <= GuestMemory.PageSize - size && _pages[a >> GuestMemory.PageShift] == PageKind.Ram
            && NoCode(_codeMarks + a, size);
    }

    /// <summary>The bytes at <paramref name="linear"/>, for an access found plain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* At(uint linear) => _bytes + (linear & _addressMask);

    // (Only asked of RAM pages, which all lie inside the code map.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NoCode(byte* marks, int size) => size switch
    {
        1 => *marks == 0,
        2 => Unsafe.ReadUnaligned<ushort>(marks) == 0,
        _ => Unsafe.ReadUnaligned<uint>(marks) == 0,
    };
}
