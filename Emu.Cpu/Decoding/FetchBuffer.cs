using Iced.Intel;
using Emu.Memory;

namespace Emu.Cpu.Decoding;

/// <summary>
/// The byte source Iced decodes from: the instruction at CS:IP as the model reads it, in a fixed buffer.
/// Its prefix run is shortened first. A repeated prefix changes nothing but the instruction's length (the
/// last of each kind counts), so only its last copy is kept; and before the 386 a LOCK prefix only drives
/// the bus lock pin, so the 8086, 186 and 286 execute it before any instruction, where the 386 (and Iced)
/// reject it on a non-lockable one: there LOCK is taken out and reported. The dropped bytes still count
/// in the instruction's length, which the 286 and 386 limit (see <see cref="MaxLength"/>).
/// </summary>
internal sealed class FetchBuffer : CodeReader
{
    public const int Capacity = 16;
    // Prefixes looked at before the opcode: more than either length limit allows, so a longer run only
    // matters on the 8086 and 186, which have no limit; there the rest is decoded as it comes.
    private const int PrefixScan = 32;

    public readonly byte[] Bytes = new byte[Capacity];
    public int Position;

    public override int ReadByte() => Position < Capacity ? Bytes[Position++] : -1;

    /// <summary>Fills <see cref="Bytes"/> from CS:IP (wrapping inside the segment at offset FFFF) with the
    /// prefix run shortened. Returns how many bytes were left out; <paramref name="locked"/> says whether a
    /// LOCK prefix was among them.</summary>
    public int Fill(GuestMemory memory, uint csBase, uint ip, CpuModel model, out bool locked)
    {
        locked = false;
        int written = 0, dropped = 0;
        uint offset = 0;
        for (; offset < PrefixScan; offset++)
        {
            byte b = memory.Peek8(csBase + ((ip + offset) & 0xFFFF));
            if (!IsPrefix(b, model))
                break;
            if (model <= CpuModel.I286 && IsLock(b, model))
            {
                locked = true;
                dropped++;
                continue;
            }
            int earlier = Array.IndexOf(Bytes, b, 0, written);
            if (earlier >= 0)
            {
                Array.Copy(Bytes, earlier + 1, Bytes, earlier, written - earlier - 1);
                written--;
                dropped++;
            }
            Bytes[written++] = b;
        }
        for (int i = written; i < Capacity; i++, offset++)
            Bytes[i] = memory.Peek8(csBase + ((ip + offset) & 0xFFFF));
        Position = 0;
        return dropped;
    }

    /// <summary>The prefixes of each model: segment overrides, LOCK, REPNE, REP; on the 8086 F1 is LOCK
    /// too; the 386 adds FS, GS, operand size and address size (64-67).</summary>
    public static bool IsPrefix(byte b, CpuModel model) => b switch
    {
        0x26 or 0x2E or 0x36 or 0x3E or 0xF0 or 0xF2 or 0xF3 => true,
        0xF1 => model == CpuModel.I8086,
        >= 0x64 and <= 0x67 => model >= CpuModel.I386,
        _ => false,
    };

    private static bool IsLock(byte b, CpuModel model) => b == 0xF0 || (b == 0xF1 && model == CpuModel.I8086);

    /// <summary>The longest instruction the model executes, prefixes included; 0 for none. The 286
    /// raises interrupt 6 past 10 bytes, the 386 #GP past 15 (Intel's lists of differences from the
    /// 8086: "redundant prefixes"); the 8086 and 186 read any number of prefixes.</summary>
    public static int MaxLength(CpuModel model) => model switch
    {
        CpuModel.I286 => 10,
        CpuModel.I386 => 15,
        _ => 0,
    };
}
