using System.Runtime.CompilerServices;

namespace Emu.Memory;

/// <summary>
/// Where guest memory's bytes live. <see cref="GuestMemory"/> addresses them through a raw pointer, so the
/// store must not move: the private store is an array on the pinned object heap; a
/// <see cref="SharedRamStore"/> is a file mapping that a device process maps as well, so its DMA and
/// virtqueue accesses reach guest RAM in place instead of being copied per request.
/// </summary>
public abstract unsafe class GuestRamStore : IDisposable
{
    /// <summary>Bytes a store holds: guest memory plus the 8-byte pad GuestMemory's unaligned reads rely on,
    /// rounded up to a page so that a file mapping of it is whole pages.</summary>
    public const int Length = (int)GuestMemory.Size + GuestMemory.PageSize;

    /// <summary>The first byte; valid for <see cref="Length"/> bytes until the store is disposed.</summary>
    public abstract byte* Pointer { get; }

    /// <summary>A zeroed store private to this process.</summary>
    public static GuestRamStore CreatePrivate() => new PinnedArrayStore();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class PinnedArrayStore : GuestRamStore
    {
        // Pinned for the array's life, so the pointer stays valid while this object is reachable
        // (GuestMemory holds the store).
        private readonly byte[] _bytes = GC.AllocateArray<byte>(Length, pinned: true);

        public override byte* Pointer => (byte*)Unsafe.AsPointer(ref _bytes[0]);
    }
}
