namespace Emu.Cpu;

/// <summary>One way a model behaves in real mode, where the four models differ.</summary>
public sealed record ModelRule(string Topic, string Rule);

/// <summary>
/// What each model does where the 8086, 186, 286 and 386 differ in real mode: the table `emu cpus`
/// prints so a user can pick the right --cpu. Each rule is pinned by a test named in
/// docs/CONFORMANCE.md (most in tests/Emu.Cpu.Tests/ModelDifferenceTests.cs).
/// </summary>
public static class ModelRules
{
    public static IReadOnlyList<ModelRule> For(CpuModel model) => model switch
    {
        CpuModel.I8086 =>
        [
            new("instructions", "the 8086 set, with its undocumented opcodes (SETMO, SALC, POP CS, aliases); REP before IMUL/IDIV negates"),
            new("LOCK", "executes before any instruction (F1 is LOCK too)"),
            new("offset FFFF", "a word there wraps to offset 0000, as does an instruction"),
            new("PUSH SP", "pushes SP after the decrement"),
            new("shift counts", "all 8 bits of CL or imm8"),
            new("undefined opcodes", "no #UD: aliases run (60-6F Jcc, C0/C1/C8/C9 RET/RETF; 8F/C6/C7 ignore reg), the rest do nothing"),
            new("instruction length", "no limit: any number of prefixes, the last of each kind counts"),
            new("address lines", "20: FFFF:0010 and above wrap to the bottom of memory"),
            new("segment registers", "ES CS SS DS; 8C/8E ignore bit 2 of reg; MOV CS,r/m loads CS"),
            new("interrupt shadow", "after a load of any segment register"),
            new("divide error", "pushes the next instruction's IP; a quotient of -128/-32768 faults"),
            new("BCD", "DAA/DAS threshold 9F after a low-digit adjust; AAA/AAS adjust AL and AH apart"),
            new("FLAGS 12-15", "read as 1"),
        ],
        CpuModel.I186 =>
        [
            new("instructions", "+ PUSH imm, PUSHA/POPA, ENTER/LEAVE, BOUND, INS/OUTS, IMUL imm, shifts by imm8"),
            new("LOCK", "executes before any instruction"),
            new("offset FFFF", "a word there wraps to offset 0000, as does an instruction"),
            new("PUSH SP", "pushes SP after the decrement"),
            new("shift counts", "low 5 bits"),
            new("undefined opcodes", "#UD (INT 6): 0F xx (bar VMCALL), 63-67, 8F/C6/C7 with reg 1-7, FE /2-/7, FF /7, LEA and LES/LDS with a register"),
            new("instruction length", "no limit, as the 8086"),
            new("address lines", "20, as the 8086"),
            new("segment registers", "ES CS SS DS; 8C/8E reg 4-7 are ES CS SS DS again and MOV CS is allowed, as on the 8086"),
            new("interrupt shadow", "after MOV/POP SS"),
            new("divide error", "pushes the next instruction's IP; a quotient of -128/-32768 faults"),
            new("BCD", "as the 8086"),
            new("FLAGS 12-15", "read as 1"),
        ],
        CpuModel.I286 =>
        [
            new("instructions", "+ LGDT LIDT SGDT SIDT LMSW SMSW CLTS (entering protected mode stops the machine)"),
            new("LOCK", "executes before any instruction"),
            new("offset FFFF", "a word there is interrupt 13 in every segment (SS too), as is an instruction "
                + "running past it; multi-word pops restart with SP unchanged; string instructions fault with SI/DI stepped; "
                + "a far pointer or BOUND pair at FFFE reads its second word at 0000"),
            new("PUSH SP", "pushes SP as it was"),
            new("shift counts", "low 5 bits"),
            new("undefined opcodes", "#UD (INT 6), including 8F/C6/C7 with reg 1-7, the protected-mode-only ones and 64-67"),
            new("instruction length", "at most 10 bytes, prefixes (LOCK too) included; a longer one is INT 6"),
            new("address lines", "24: FFFF:0010 to FFFF:FFFF reach the 64 KiB above 1 MiB (on a PC while the A20 gate is open)"),
            new("segment registers", "ES CS SS DS; 8C/8E with reg 4-7 and MOV CS are #UD"),
            new("interrupt shadow", "after MOV/POP SS"),
            new("divide error", "pushes DIV/IDIV's own IP; -128/-32768 are valid quotients"),
            new("BCD", "DAA/DAS as Intel documents (original AL > 99, low-digit carry kept); AAA/AAS add 106h to AX"),
            new("FLAGS 12-15", "read as 0 in real mode"),
        ],
        _ =>
        [
            new("instructions", "+ 32-bit operand and address sizes (66/67), FS/GS, MOVZX/MOVSX, SETcc, BT*, BSF/BSR, "
                + "SHLD/SHRD, LFS/LGS/LSS, Jcc rel16, MOV CRn/DRn; from the 486: BSWAP XADD CMPXCHG"),
            new("LOCK", "only before a lockable instruction with a memory destination, else #UD"),
            new("offset FFFF", "a word (or dword past FFFC) there is #SS (12) through SS, #GP (13) elsewhere and "
                + "for an instruction running past it; a far pointer or BOUND pair is checked whole (at FFFE it faults "
                + "where the 286 wraps its second word); the faulting instruction restarts with nothing changed"),
            new("PUSH SP", "pushes SP as it was"),
            new("shift counts", "low 5 bits"),
            new("undefined opcodes", "#UD (INT 6), including 8F/C6/C7 with reg 1-7 and the protected-mode-only ones"),
            new("instruction length", "at most 15 bytes; a longer one is #GP (13)"),
            new("address lines", "32: as the 286 in real mode"),
            new("segment registers", "ES CS SS DS FS GS; 8C/8E with reg 6-7 and MOV CS are #UD"),
            new("interrupt shadow", "after MOV/POP SS"),
            new("divide error", "pushes DIV/IDIV's own IP; -128/-32768 are valid quotients"),
            new("BCD", "as the 286"),
            new("FLAGS 12-15", "IOPL and NT writable, bit 15 reads as 0"),
        ],
    };
}
