using Iced.Intel;
using Emu.Memory;

namespace Emu.Hypervisor.Diagnostics;

/// <summary>Iced's decoder and Intel-syntax formatter over guest memory or a byte buffer.</summary>
public sealed class Disassembler
{
    private readonly IntelFormatter _formatter = new();
    private readonly StringOutput _output = new();

    public Disassembler()
    {
        _formatter.Options.HexSuffix = "h";
        _formatter.Options.UppercaseHex = true;
        _formatter.Options.SpaceAfterOperandSeparator = true;
        _formatter.Options.BranchLeadingZeros = false;
    }

    /// <summary>The instruction at CS:IP, read without side effects (wrapping inside the segment).</summary>
    public string FormatAt(GuestMemory memory, ushort cs, ushort ip, out int length)
    {
        var bytes = new byte[16];
        uint csBase = (uint)cs << 4;
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = memory.Peek8(csBase + (uint)((ip + i) & 0xFFFF));
        var decoder = Decoder.Create(16, new ByteArrayCodeReader(bytes), ip);
        decoder.Decode(out var instruction);
        length = instruction.Length;
        return Format(instruction);
    }

    public string Format(in Instruction instruction)
    {
        if (instruction.IsInvalid)
            return "(bad)";
        _formatter.Format(instruction, _output);
        return _output.ToStringAndReset();
    }

    /// <summary>A listing of a flat binary: address, bytes, instruction per line.</summary>
    public IEnumerable<string> List(byte[] code, ushort segment, ushort origin, int bitness = 16)
    {
        var decoder = Decoder.Create(bitness, new ByteArrayCodeReader(code), origin);
        ulong end = origin + (ulong)code.Length;
        while (decoder.IP < end)
        {
            ulong ip = decoder.IP;
            decoder.Decode(out var instruction);
            int offset = (int)(ip - origin);
            int length = Math.Min(instruction.Length, code.Length - offset);
            string hex = Convert.ToHexString(code, offset, length);
            yield return $"{segment:X4}:{ip:X4}  {hex,-20} {Format(instruction)}";
        }
    }
}
