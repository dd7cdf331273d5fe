namespace Emu.Cpu;

/// <summary>The processor a machine is built around. Each model runs what that chip ran in real mode.</summary>
public enum CpuModel
{
    /// <summary>Intel 8086/8088: exact, including undocumented opcodes and quirks the test vectors pin down.</summary>
    I8086,
    /// <summary>Intel 80186/80188: 8086 plus PUSH imm, PUSHA/POPA, ENTER/LEAVE, BOUND, INS/OUTS, shifts by imm8, #UD.</summary>
    I186,
    /// <summary>Intel 80286 in real mode: 186 plus its own stack, fault and segment-limit behaviour.</summary>
    I286,
    /// <summary>Intel 80386 in real mode: 32-bit registers and addressing, FS/GS, the 386 additions, a few 486 extras.</summary>
    I386,
}

public static class CpuModels
{
    /// <summary>Parses the names the command line accepts: 8086, 186, 286, 386.</summary>
    public static bool TryParse(string? text, out CpuModel model)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "8086": case "8088": case "i8086": model = CpuModel.I8086; return true;
            case "186": case "80186": case "i186": model = CpuModel.I186; return true;
            case "286": case "80286": case "i286": model = CpuModel.I286; return true;
            case "386": case "80386": case "i386": model = CpuModel.I386; return true;
            default: model = CpuModel.I386; return false;
        }
    }

    /// <summary>Address lines on the chip: the 8086 and 186 have 20, so real-mode addresses wrap at 1 MiB;
    /// the 286 has 24 and the 386 32, so FFFF:0010 to FFFF:FFFF reach the 64 KiB above 1 MiB (a PC's A20
    /// gate can mask line 20 again; a bare chip, as the conformance runner models it, does not).</summary>
    public static int AddressLines(this CpuModel model) => model switch
    {
        CpuModel.I8086 or CpuModel.I186 => 20,
        CpuModel.I286 => 24,
        _ => 32,
    };

    public static string Name(this CpuModel model) => model switch
    {
        CpuModel.I8086 => "8086",
        CpuModel.I186 => "186",
        CpuModel.I286 => "286",
        _ => "386",
    };
}
