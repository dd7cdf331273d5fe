using System.Runtime.CompilerServices;

namespace Emu.Io.Bus;

/// <summary>
/// Base for the 8-bit ISA devices of a PC (PIC, PIT, UART, CMOS, 8042...). A 16- or 32-bit access to
/// an 8-bit ISA device is split by the bus controller into byte cycles at consecutive ports, so a
/// wide access here becomes successive byte accesses at offset, offset+1, ... exactly as on the board.
/// </summary>
public abstract class ByteRegisterDevice : IIoDevice
{
    public abstract string Name { get; }

    public void Read(uint offset, Span<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
            data[i] = ReadByte(offset + (uint)i);
    }

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
            WriteByte(offset + (uint)i, data[i]);
    }

    public virtual string RegisterName(uint offset, bool write) => $"+{offset:X2}";

    // The same byte cycles as a value (the bus's exit path, DeviceBus.Read and Write): no span, and the bus calls
    // this class directly instead of through IIoDevice, whose call from the bus reaches many device types. A byte
    // access, the common one, is one virtual call from the bus.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadValue(uint offset, int width) => width == 1 ? ReadByte(offset) : ReadBytes(offset, width);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteValue(uint offset, int width, uint value)
    {
        if (width == 1)
            WriteByte(offset, (byte)value);
        else
            WriteBytes(offset, width, value);
    }

    private uint ReadBytes(uint offset, int width)
    {
        uint value = 0;
        for (int i = 0; i < width; i++)
            value |= (uint)ReadByte(offset + (uint)i) << (8 * i);
        return value;
    }

    private void WriteBytes(uint offset, int width, uint value)
    {
        for (int i = 0; i < width; i++)
            WriteByte(offset + (uint)i, (byte)(value >> (8 * i)));
    }

    /// <summary>Reads the byte register at <paramref name="offset"/>; may have side effects (clear on read).</summary>
    protected abstract byte ReadByte(uint offset);

    protected abstract void WriteByte(uint offset, byte value);
}
