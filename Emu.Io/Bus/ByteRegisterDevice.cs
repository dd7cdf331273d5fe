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

    // A byte access as a value (the bus's exit path, DeviceBus.Read and Write): the bus calls this class directly
    // instead of through IIoDevice, whose call from the bus reaches many device types; a wider access takes Read and
    // Write's split into byte cycles above.
    internal byte ReadValue(uint offset) => ReadByte(offset);

    internal void WriteValue(uint offset, byte value) => WriteByte(offset, value);

    /// <summary>Reads the byte register at <paramref name="offset"/>; may have side effects (clear on read).</summary>
    protected abstract byte ReadByte(uint offset);

    protected abstract void WriteByte(uint offset, byte value);
}
