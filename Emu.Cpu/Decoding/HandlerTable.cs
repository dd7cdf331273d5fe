using Iced.Intel;
using Emu.Cpu.Execution;

namespace Emu.Cpu.Decoding;

/// <summary>
/// Maps what Iced decoded to the handler that executes it. Each instruction family registers its
/// mnemonics (or, where one mnemonic needs several handlers, its codes) in its own file; this
/// table only dispatches and checks that the CPU model has the instruction.
/// </summary>
internal static unsafe class HandlerTable
{
    // Iced's own counts (IcedConstants.CodeEnumCount and MnemonicEnumCount, internal there): reading them through
    // Enum.GetValues made the runtime read thousands of enum values by reflection at every start.
    // HandlerTableTests checks them against the enums, so an Iced upgrade that adds codes fails there.
    internal const int CodeCount = 4936;
    internal const int MnemonicCount = 1894;

    private static readonly nint[] ByCode = new nint[CodeCount];
    private static readonly byte[] SubByCode = new byte[ByCode.Length];
    private static readonly nint[] ByMnemonic = new nint[MnemonicCount];
    private static readonly byte[] SubByMnemonic = new byte[ByMnemonic.Length];
    // Optional, beside a generic handler: picks a faster handler for the operand form just decoded
    // (or returns 0 to keep the generic one). See Execution/Specialized.cs.
    private static readonly nint[] SpecializerByCode = new nint[ByCode.Length];
    private static readonly nint[] SpecializerByMnemonic = new nint[ByMnemonic.Length];
    private static readonly bool[][] SupportedByModel = new bool[4][];

    static HandlerTable()
    {
        Arithmetic.Register();
        DataMovement.Register();
        MulDiv.Register();
        Shift.Register();
        Bcd.Register();
        Control.Register();
        Stack.Register();
        StringOps.Register();
        InputOutput.Register();
        SystemOps.Register();
        BitOps.Register();
    }

    public static void Map(Mnemonic mnemonic, delegate*<Processor, ref DecodedOp, void> handler, byte sub = 0,
        delegate*<ref DecodedOp, nint> specializer = null)
    {
        ByMnemonic[(int)mnemonic] = (nint)handler;
        SubByMnemonic[(int)mnemonic] = sub;
        SpecializerByMnemonic[(int)mnemonic] = (nint)specializer;
    }

    public static void Map(Code code, delegate*<Processor, ref DecodedOp, void> handler, byte sub = 0,
        delegate*<ref DecodedOp, nint> specializer = null)
    {
        ByCode[(int)code] = (nint)handler;
        SubByCode[(int)code] = sub;
        SpecializerByCode[(int)code] = (nint)specializer;
    }

    public static void Resolve(in Instruction ins, ref DecodedOp op, CpuModel model, bool specialize = true)
    {
        if (!Supports(ins.Code, model))
        {
            SetUndefined(ref op, model);
            return;
        }
        nint handler = ByCode[(int)ins.Code];
        byte sub = SubByCode[(int)ins.Code];
        nint specializer = SpecializerByCode[(int)ins.Code];
        if (handler == 0)
        {
            handler = ByMnemonic[(int)ins.Mnemonic];
            sub = SubByMnemonic[(int)ins.Mnemonic];
            specializer = SpecializerByMnemonic[(int)ins.Mnemonic];
        }
        if (handler == 0 && IsFpu(ins.Code))
        {
            // No coprocessor is fitted: an ESC instruction does nothing, so FPU probes
            // (FNINIT; FNSTSW) see their memory unchanged and conclude there is no 8087/287/387.
            op.Execute = &SystemOps.Nop;
            return;
        }
        if (handler == 0)
        {
            SetUndefined(ref op, model);
            return;
        }
        op.Execute = (delegate*<Processor, ref DecodedOp, void>)handler;
        op.Sub = sub;
        if (specialize && specializer != 0)
        {
            // Operands, sizes and Sub are all filled in by now: the form is known.
            nint special = ((delegate*<ref DecodedOp, nint>)specializer)(ref op);
            if (special != 0)
                op.Execute = (delegate*<Processor, ref DecodedOp, void>)special;
        }
    }

    /// <summary>An opcode the model does not have: #UD on the 186 and later; the 8086 has no invalid
    /// opcodes, so there it does nothing but advance IP.</summary>
    public static void SetUndefined(ref DecodedOp op, CpuModel model)
    {
        op.Execute = model == CpuModel.I8086 ? &SystemOps.Nop : &SystemOps.Undefined;
    }

    /// <summary>True when some handler executes the encoding (FPU escapes count: they run as no-ops).</summary>
    public static bool HasHandler(Code code) =>
        ByCode[(int)code] != 0 || ByMnemonic[(int)code.Mnemonic()] != 0 || IsFpu(code);

    internal static bool IsFpu(Code code) =>
        code.CpuidFeatures().Any(f => f is CpuidFeature.FPU or CpuidFeature.FPU287 or CpuidFeature.FPU387);

    /// <summary>True when the model implements the instruction (by Iced's CPUID feature list).</summary>
    public static bool Supports(Code code, CpuModel model)
    {
        var table = SupportedByModel[(int)model];
        if (table is null)
        {
            table = new bool[ByCode.Length];
            for (int c = 0; c < table.Length; c++)
                table[c] = ComputeSupport((Code)c, model);
            SupportedByModel[(int)model] = table;
        }
        return table[(int)code];
    }

    private static bool ComputeSupport(Code code, CpuModel model)
    {
        foreach (var feature in code.CpuidFeatures())
        {
            bool ok = feature switch
            {
                CpuidFeature.INTEL8086 => true,
                CpuidFeature.INTEL8086_ONLY => model == CpuModel.I8086,
                CpuidFeature.INTEL186 => model >= CpuModel.I186,
                CpuidFeature.INTEL286 => model >= CpuModel.I286,
                CpuidFeature.INTEL286_ONLY => model == CpuModel.I286,
                CpuidFeature.INTEL386 => model >= CpuModel.I386,
                // The 386 model carries the few cheap 486 additions (BSWAP, XADD, CMPXCHG).
                CpuidFeature.INTEL486 => model >= CpuModel.I386,
                // No coprocessor is fitted: ESC opcodes decode and do nothing, as on a bare 8086.
                CpuidFeature.FPU or CpuidFeature.FPU287 or CpuidFeature.FPU387 => true,
                // F3 90 is PAUSE on later chips and REP NOP on these: the same thing here.
                CpuidFeature.PAUSE => true,
                // VMCALL is the hypercall into Emu's VMM on every model.
                CpuidFeature.VMX => code == Code.Vmcall,
                _ => false,
            };
            if (!ok)
                return false;
        }
        return true;
    }
}
