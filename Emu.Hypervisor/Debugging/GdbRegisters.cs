using Emu.Cpu;
using System.Buffers.Binary;
using System.Globalization;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// The CPU's registers in the numbering and byte order of <see cref="TargetDescription"/>: gdb's g/G/p/P packets.
/// Values travel as little-endian hex; the x87 registers, which this CPU lacks, as 'x' (unavailable).
/// </summary>
public static class GdbRegisters
{
    /// <summary>All registers, the g packet's reply.</summary>
    public static string ReadAll(Processor cpu)
    {
        var text = new System.Text.StringBuilder();
        for (int n = 0; n < TargetDescription.Count; n++)
            text.Append(Read(cpu, n));
        return text.ToString();
    }

    /// <summary>One register as hex (the p packet's reply), or null when there is no such register.</summary>
    public static string? Read(Processor cpu, int number)
    {
        int size = TargetDescription.SizeOf(number);
        if (size == 0)
            return null;
        if (number is >= TargetDescription.FirstX87 and < TargetDescription.Ip)
            return new string('x', size * 2);
        uint value = number switch
        {
            < TargetDescription.Eip => cpu.GetRegister32(number),
            TargetDescription.Eip => MachineDebugger.LinearPc(cpu),
            TargetDescription.Eflags => cpu.Flags,
            < TargetDescription.FirstX87 => Segment(cpu, number - TargetDescription.FirstSegment),
            _ => cpu.IP,
        };
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return Convert.ToHexString(bytes[..size]).ToLowerInvariant();
    }

    /// <summary>Sets one register from hex (the P packet); false when the number or the value is bad. The x87
    /// registers accept any value and keep none.</summary>
    public static bool Write(Processor cpu, int number, string hex)
    {
        int size = TargetDescription.SizeOf(number);
        if (size == 0 || hex.Length != size * 2)
            return false;
        if (number is >= TargetDescription.FirstX87 and < TargetDescription.Ip)
            return true;
        if (!uint.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint raw))
            return false;
        uint value = size == 4 ? BinaryPrimitives.ReverseEndianness(raw) : BinaryPrimitives.ReverseEndianness((ushort)raw);
        switch (number)
        {
            case < TargetDescription.Eip:
                SetGeneral(cpu, number, value);
                break;
            case TargetDescription.Eip:
                SetLinearPc(cpu, value);
                break;
            case TargetDescription.Eflags:
                cpu.Flags = value;
                break;
            case < TargetDescription.FirstX87:
                SetSegment(cpu, number - TargetDescription.FirstSegment, (ushort)value);
                break;
            default:
                cpu.IP = (ushort)value;
                break;
        }
        return true;
    }

    /// <summary>Sets every register from a G packet (eip last, after CS, so that it lands where gdb meant).</summary>
    public static bool WriteAll(Processor cpu, string hex)
    {
        int offset = 0;
        string? eip = null;
        for (int n = 0; n < TargetDescription.Count && offset < hex.Length; n++)
        {
            int width = TargetDescription.SizeOf(n) * 2;
            if (offset + width > hex.Length)
                return false;
            string field = hex.Substring(offset, width);
            offset += width;
            if (n == TargetDescription.Eip)
                eip = field;
            else if (n != TargetDescription.Ip && !field.Contains('x') && !Write(cpu, n, field))
                return false;
        }
        return eip is null || Write(cpu, TargetDescription.Eip, eip);
    }

    /// <summary>gdb's program counter is linear: keep CS when the address is inside its segment, else take the
    /// segment the address names (its paragraph, or FFFF for the high memory area).</summary>
    public static void SetLinearPc(Processor cpu, uint linear)
    {
        uint offset = linear - ((uint)cpu.CS << 4);
        if (linear >= (uint)cpu.CS << 4 && offset <= 0xFFFF)
        {
            cpu.IP = (ushort)offset;
            return;
        }
        ushort segment = linear >= 0x10_0000 ? (ushort)0xFFFF : (ushort)(linear >> 4);
        cpu.CS = segment;
        cpu.IP = (ushort)(linear - ((uint)segment << 4));
    }

    private static uint Segment(Processor cpu, int index) => index switch
    {
        0 => cpu.CS,
        1 => cpu.SS,
        2 => cpu.DS,
        3 => cpu.ES,
        4 => cpu.FS,
        _ => cpu.GS,
    };

    private static void SetSegment(Processor cpu, int index, ushort value)
    {
        switch (index)
        {
            case 0: cpu.CS = value; break;
            case 1: cpu.SS = value; break;
            case 2: cpu.DS = value; break;
            case 3: cpu.ES = value; break;
            case 4: cpu.FS = value; break;
            default: cpu.GS = value; break;
        }
    }

    private static void SetGeneral(Processor cpu, int number, uint value)
    {
        switch (number)
        {
            case 0: cpu.Eax = value; break;
            case 1: cpu.Ecx = value; break;
            case 2: cpu.Edx = value; break;
            case 3: cpu.Ebx = value; break;
            case 4: cpu.Esp = value; break;
            case 5: cpu.Ebp = value; break;
            case 6: cpu.Esi = value; break;
            default: cpu.Edi = value; break;
        }
    }
}
