using Emu.Io.Bus;

namespace Emu.Io.Ata;

/// <summary>
/// The 16-port bus-master IDE window of the PIIX (PCI BAR4): primary channel at +0..+7, secondary at
/// +8..+15. Accesses of any width are byte cycles at successive registers (the PRD address also
/// takes a single dword write). Decodes only while the PCI function's I/O space is enabled.
/// </summary>
internal sealed class BusMasterDma(AtaChannel primary, AtaChannel secondary) : IIoDevice
{
    public const uint Length = 16;

    private static readonly string[] Names = ["cmd", "+1", "status", "+3", "prd0", "prd1", "prd2", "prd3"];

    public string Name => "ata-bm";

    /// <summary>PCI command bit 0 of the IDE function; when clear the window reads all ones and ignores writes.</summary>
    public bool IoEnabled { get; set; } = true;

    public void Read(uint offset, Span<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            uint reg = offset + (uint)i;
            data[i] = !IoEnabled || reg >= Length ? (byte)0xFF : ChannelOf(reg).BusMaster.ReadByte(reg & 7);
        }
    }

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
        if (!IoEnabled)
            return;
        for (int i = 0; i < data.Length; i++)
        {
            uint reg = offset + (uint)i;
            if (reg < Length)
                ChannelOf(reg).BusMaster.WriteByte(reg & 7, data[i]);
        }
    }

    public string RegisterName(uint offset, bool write) =>
        offset < Length ? $"{(offset < 8 ? "pri" : "sec")}-{Names[offset & 7]}" : $"+{offset:X2}";

    private AtaChannel ChannelOf(uint reg) => reg < 8 ? primary : secondary;
}
