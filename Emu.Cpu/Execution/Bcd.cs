using Emu.Cpu.Decoding;
using Iced.Intel;

namespace Emu.Cpu.Execution;

/// <summary>DAA DAS AAA AAS AAM AAD, SALC.</summary>
internal static unsafe class Bcd
{
    private const byte Add = 0, Subtract = 1;

    public static void Register()
    {
        HandlerTable.Map(Mnemonic.Daa, &DecimalAdjust, Add);
        HandlerTable.Map(Mnemonic.Das, &DecimalAdjust, Subtract);
        HandlerTable.Map(Mnemonic.Aaa, &AsciiAdjust, Add);
        HandlerTable.Map(Mnemonic.Aas, &AsciiAdjust, Subtract);
        HandlerTable.Map(Mnemonic.Aam, &Aam);
        HandlerTable.Map(Mnemonic.Aad, &Aad);
        HandlerTable.Map(Mnemonic.Salc, &Salc);
    }

    /// <summary>DAA/DAS: adjust AL after a packed-BCD add or subtract.</summary>
    /// <remarks>
    /// The low digit is adjusted when it is above 9 or AF is set; the high digit when the original
    /// AL is above a threshold or CF is set. The 8086 and 186 use 9F as that threshold after a
    /// low-digit adjustment (what the 8086 vectors pin); the 286 and later compare with 99 whatever
    /// AF says and keep the carry or borrow of the low-digit step in CF, Intel's documented
    /// algorithm (DAS of AL = 9A with AF set gives 34 and CF on the 286, 94 on the 8086).
    /// </remarks>
    internal static void DecimalAdjust(Processor c, ref DecodedOp op)
    {
        uint f = c.FlagsValue;
        uint old = c.GetReg8(0);
        bool oldAf = (f & CpuFlags.AF) != 0;
        bool oldCf = (f & CpuFlags.CF) != 0;
        bool documented = c.Model >= CpuModel.I286;
        int sign = op.Sub == Add ? 1 : -1;
        uint al = old;
        f &= ~(CpuFlags.AF | CpuFlags.CF);
        if ((old & 0x0F) > 9 || oldAf)
        {
            uint adjusted = (uint)(al + sign * 6);
            al = adjusted & 0xFF;
            f |= CpuFlags.AF;
            if (documented && adjusted > 0xFF)
                f |= CpuFlags.CF;
        }
        uint threshold = oldAf && !documented ? 0x9Fu : 0x99u;
        if (old > threshold || oldCf)
        {
            al = (uint)(al + sign * 0x60) & 0xFF;
            f |= CpuFlags.CF;
        }
        else if (op.Sub == Add)
        {
            f &= ~CpuFlags.CF;
        }
        c.SetReg8(0, al);
        c.FlagsValue = (f & ~(CpuFlags.SF | CpuFlags.ZF | CpuFlags.PF)) | Processor.SzpBits(al, 1);
    }

    /// <summary>AAA/AAS: adjust AL after an unpacked-BCD add or subtract, carrying into AH.</summary>
    internal static void AsciiAdjust(Processor c, ref DecodedOp op)
    {
        uint f = c.FlagsValue & ~(CpuFlags.AF | CpuFlags.CF);
        uint ax = c.Regs[Reg.AX] & 0xFFFF;
        if ((ax & 0x0F) > 9 || (c.FlagsValue & CpuFlags.AF) != 0)
        {
            int sign = op.Sub == Add ? 1 : -1;
            if (c.Model <= CpuModel.I186)
            {
                // The 8086 adjusts AL and AH separately: no carry from AL into AH.
                uint al = (uint)(ax + sign * 6) & 0xFF;
                uint ah = (uint)((ax >> 8) + sign) & 0xFF;
                ax = (ah << 8) | al;
            }
            else
            {
                ax = (uint)(ax + sign * 0x106) & 0xFFFF;
            }
            f |= CpuFlags.AF | CpuFlags.CF;
        }
        c.SetReg16(Reg.AX, ax & 0xFF0F);
        // SF, ZF, PF (and OF) are undefined; the 8086 and the later chips set them from the result.
        c.FlagsValue = (f & ~(CpuFlags.SF | CpuFlags.ZF | CpuFlags.PF)) | Processor.SzpBits(ax & 0x0F, 1);
    }

    /// <summary>AAM imm8: AH = AL / base, AL = AL % base; a base of 0 is a divide error.</summary>
    internal static void Aam(Processor c, ref DecodedOp op)
    {
        uint b = op.Imm & 0xFF;
        if (b == 0)
        {
            // The 8086 microcode's aborted division leaves the flags of a zero result (SF=0, ZF=1,
            // PF=1), and they are what the fault pushes.
            if (c.Model == CpuModel.I8086)
                c.SetSzp(0, 1);
            c.DivideError();
            return;
        }
        uint al = c.GetReg8(0);
        uint r = al % b;
        c.SetReg16(Reg.AX, ((al / b) << 8) | r);
        c.SetSzp(r, 1);
    }

    /// <summary>AAD imm8: AL = AL + AH * base, AH = 0.</summary>
    internal static void Aad(Processor c, ref DecodedOp op)
    {
        uint ax = c.Regs[Reg.AX];
        uint r = (ax + ((ax >> 8) & 0xFF) * (op.Imm & 0xFF)) & 0xFF;
        c.SetReg16(Reg.AX, r);
        c.SetSzp(r, 1);
    }

    /// <summary>SALC (undocumented D6): AL = CF ? FF : 00, no flags change.</summary>
    internal static void Salc(Processor c, ref DecodedOp op) =>
        c.SetReg8(0, (c.FlagsValue & CpuFlags.CF) != 0 ? 0xFFu : 0);
}
