using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emu.Io.Bus;

/// <summary>
/// What the port bus and the MMIO bus share: placement of devices in non-overlapping ranges, and
/// dispatch of an access to the one range that wholly contains it. An access that no range claims
/// (nothing there, or one that straddles a range end) behaves like an empty ISA bus: reads float
/// high (0xFF per byte), writes vanish, and the bus counts it so the hypervisor can report it.
/// Dispatch allocates nothing.
/// </summary>
public abstract class DeviceBus
{
    private readonly List<DeviceRange> _ranges = [];

    /// <summary>The highest address this bus decodes (0xFFFF for ports).</summary>
    protected abstract ulong AddressLimit { get; }

    public IReadOnlyList<DeviceRange> Ranges => _ranges;

    /// <summary>Reads nobody answered (including straddling ones).</summary>
    public long UnclaimedReads { get; private set; }

    /// <summary>Writes nobody answered (including straddling ones).</summary>
    public long UnclaimedWrites { get; private set; }

    /// <summary>
    /// Places <paramref name="device"/> at [start, start+length). Overlapping an existing range or
    /// leaving the address space is a machine configuration error and throws.
    /// </summary>
    public DeviceRange Register(uint start, uint length, IIoDevice device, uint deviceOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (length == 0)
            throw new ArgumentException($"{device.Name}: empty range at {start:X}", nameof(length));
        if ((ulong)start + length - 1 > AddressLimit)
            throw new ArgumentException($"{device.Name}: range {start:X}+{length:X} leaves the address space", nameof(length));
        if (Overlapping(start, length) is { } r)
            throw new ArgumentException($"{device.Name} at {start:X}+{length:X} overlaps {r}", nameof(start));
        var range = new DeviceRange(start, length, device, deviceOffset);
        _ranges.Add(range);
        _ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        OnRegistered(range, _ranges);
        return range;
    }

    /// <summary>The first range sharing an address with [start, start+length), or null when that span is free
    /// (lets a caller placing a guest-chosen window, such as a PCI BAR, decline instead of throwing).</summary>
    public DeviceRange? Overlapping(uint start, uint length)
    {
        foreach (var r in _ranges)
        {
            if (start < r.End && r.Start < (ulong)start + length)
                return r;
        }
        return null;
    }

    /// <summary>
    /// Removes a placement made by <see cref="Register"/> (a guest moved a PCI BAR, or turned its decoding
    /// off): its addresses become unclaimed until something is registered there. False when the range is
    /// not (or no longer) on this bus. The range keeps its access counts.
    /// </summary>
    public bool Unregister(DeviceRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (!_ranges.Remove(range))
            return false;
        OnRegistered(range, _ranges);
        return true;
    }

    /// <summary>
    /// Reads data.Length bytes at <paramref name="address"/>. False when unclaimed; data is then all
    /// 0xFF. Widths other than 1, 2 and 4 are never passed to a device and count as unclaimed.
    /// </summary>
    public bool TryRead(uint address, Span<byte> data, out DeviceRange? range)
    {
        range = Counted(address, data.Length, write: false);
        if (range is null)
        {
            data.Fill(0xFF);
            return false;
        }
        range.Device.Read(range.OffsetOf(address), data);
        return true;
    }

    /// <summary>Writes data at <paramref name="address"/>. False (and the write dropped) when unclaimed.</summary>
    public bool TryWrite(uint address, ReadOnlySpan<byte> data, out DeviceRange? range)
    {
        range = Counted(address, data.Length, write: true);
        if (range is null)
            return false;
        range.Device.Write(range.OffsetOf(address), data);
        return true;
    }

    /// <summary>A read of <paramref name="width"/> bytes as a value (the exit path): all ones when unclaimed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read(uint address, int width) => Read(address, width, out _);

    /// <summary>A read of <paramref name="width"/> bytes as a value, and the range that answered (null: unclaimed,
    /// and the value all ones).</summary>
    // Inlined so that on a PortBus or MmioBus receiver the lookup devirtualises: this is the exit path. A byte access
    // to an 8-bit ISA device is called directly, any other through IIoDevice with a span over the value.
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read(uint address, int width, out DeviceRange? range)
    {
        range = Counted(address, width, write: false);
        if (range is null)
            return IsValidWidth(width) ? uint.MaxValue >> (32 - 8 * width) : 0xFFFF_FFFF; // each byte floats high
        uint offset = range.OffsetOf(address);
        if (width == 1 && range.ByteDevice is { } bytes)
            return bytes.ReadValue(offset);
        uint value = 0;
        range.Device.Read(offset, BytesOf(ref value, width));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    /// <summary>A write of the low <paramref name="width"/> bytes of a value (the exit path); returns the range that
    /// took it, or null when unclaimed.</summary>
    // Inlined so that on a PortBus or MmioBus receiver the lookup devirtualises: this is the exit path.
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DeviceRange? Write(uint address, int width, uint value)
    {
        var range = Counted(address, width, write: true);
        if (range is null)
            return null;
        uint offset = range.OffsetOf(address);
        if (width == 1 && range.ByteDevice is { } bytes)
        {
            bytes.WriteValue(offset, (byte)value);
            return range;
        }
        if (!BitConverter.IsLittleEndian)
            value = BinaryPrimitives.ReverseEndianness(value);
        range.Device.Write(offset, BytesOf(ref value, width));
        return range;
    }

    // The range that takes an access, counted there, or null and counted as unclaimed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private DeviceRange? Counted(uint address, int width, bool write)
    {
        var range = Claim(address, width);
        if (range is null)
        {
            if (write)
                UnclaimedWrites++;
            else
                UnclaimedReads++;
        }
        else if (write)
            range.Writes++;
        else
            range.Reads++;
        return range;
    }

    // A value's first bytes in memory as a span of an access's width: its low bytes, little-endian, once
    // reversed on a big-endian host.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<byte> BytesOf(ref uint value, int width) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<uint, byte>(ref value), width);

    /// <summary>The range wholly containing the access, or null.</summary>
    // Inlined so that on a PortBus or MmioBus receiver the lookup devirtualises: this is the exit path.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DeviceRange? Claim(uint address, int width)
    {
        if (!IsValidWidth(width))
            return null;
        var range = Find(address);
        return range is not null && range.Covers(address, width) ? range : null;
    }

    /// <summary>The range containing <paramref name="address"/>, if any.</summary>
    protected abstract DeviceRange? Find(uint address);

    /// <summary>Lets a bus rebuild its lookup structure after a range was added or removed;
    /// <paramref name="sorted"/> is ordered by start.</summary>
    protected abstract void OnRegistered(DeviceRange changed, IReadOnlyList<DeviceRange> sorted);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsValidWidth(int width) => width is 1 or 2 or 4;
}
