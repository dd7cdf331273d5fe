using System.Runtime.CompilerServices;

namespace Emu.Io.Bus;

/// <summary>
/// One placement of a device on a bus: addresses [Start, Start+Length) reach the device at offsets
/// starting from <see cref="DeviceOffset"/>. The offset lets one device own windows that are not
/// contiguous on the bus (the 8042 answers at 0x60 and 0x64 with the PIT's port B in between).
/// Ranges are created at configuration time only, so handing one out on every access costs nothing.
/// </summary>
public sealed class DeviceRange
{
    internal DeviceRange(uint start, uint length, IIoDevice device, uint deviceOffset)
    {
        Start = start;
        Length = length;
        Device = device;
        ByteDevice = device as ByteRegisterDevice;
        DeviceOffset = deviceOffset;
    }

    public uint Start { get; }
    public uint Length { get; }
    public IIoDevice Device { get; }
    /// <summary><see cref="Device"/> when it is an 8-bit ISA device, which the bus then reaches without an interface
    /// call.</summary>
    internal ByteRegisterDevice? ByteDevice { get; }
    public uint DeviceOffset { get; }

    /// <summary>One past the last address (64-bit so a range ending at 4 GiB is representable).</summary>
    public ulong End => (ulong)Start + Length;

    /// <summary>Accesses dispatched to this range (statistics; not atomic: the VM runs on one thread).</summary>
    public long Reads { get; internal set; }
    public long Writes { get; internal set; }

    /// <summary>True when the whole access [address, address+width) lies inside this range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Covers(uint address, int width) =>
        address >= Start && (ulong)(address - Start) + (ulong)width <= Length;

    /// <summary>The device offset an address maps to.</summary>
    public uint OffsetOf(uint address) => address - Start + DeviceOffset;

    /// <summary>The traced name of the register at <paramref name="address"/>.</summary>
    public string RegisterName(uint address, bool write) => Device.RegisterName(OffsetOf(address), write);

    public override string ToString() => $"{Device.Name} [{Start:X}..{End - 1:X}]";
}
