using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Emu.Cpu.Decoding;
using Emu.Cpu.Execution;

namespace Emu.Cpu.Compilation;

/// <summary>
/// Writes the IL of a compiled block (see <see cref="BlockCompiler"/>). Its reflection over the processor and the
/// operations is done the first time a block is compiled, not at start-up.
/// </summary>
internal static unsafe class BlockEmitter
{
    private static readonly FieldInfo RegsField = typeof(Processor).GetField(nameof(Processor.Regs), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo EipField = typeof(Processor).GetField(nameof(Processor.Eip), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly MethodInfo GetRetired = Getter(nameof(Processor.Retired));
    private static readonly MethodInfo SetRetired = typeof(Processor).GetProperty(nameof(Processor.Retired))!.GetSetMethod(nonPublic: true)!;
    private static readonly MethodInfo SetInstructionIp = typeof(Processor).GetProperty(nameof(Processor.InstructionIp))!.GetSetMethod(nonPublic: true)!;
    private static readonly MethodInfo GetAttention = Getter(nameof(Processor.NeedsAttention));
    private static readonly MethodInfo GetCodeGeneration = Getter(nameof(Processor.CodeGeneration));
    private static readonly MethodInfo GetBudget = Getter(nameof(Processor.RepeatBudget));
    private static readonly MethodInfo ConditionMethod = typeof(Processor).GetMethod(nameof(Processor.Condition), BindingFlags.Instance | BindingFlags.NonPublic)!;

    private static MethodInfo Getter(string property) =>
        typeof(Processor).GetProperty(property, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!.GetGetMethod(nonPublic: true)!;

    /// <summary>The method of the block at pool slots <paramref name="first"/>.. (<paramref name="count"/> of them),
    /// which starts at IP <paramref name="startIp"/>; counts its instructions in <paramref name="compiler"/>.</summary>
    public static Func<Processor, int> Emit(BlockCompiler compiler, DecodedOp[] pool, int first, int count, uint startIp)
    {
        var method = new DynamicMethod($"Block_{startIp:X4}_{first}", typeof(int), [typeof(Processor)], typeof(Processor), skipVisibility: true);
        var il = new Emitter(method.GetILGenerator(), count);
        il.Start();
        uint ip = startIp;
        for (int i = 0; i < count; i++)
        {
            int slot = first + i;
            ref DecodedOp op = ref pool[slot];
            uint next = (ip + op.Length) & 0xFFFF;
            bool last = i == count - 1;
            Template? template = Templates.GetValueOrDefault((nint)op.Execute);
            if (template is null && !BlockCompiler.IsJump(ref op))
                compiler.HandlerInstructions++;
            else
                compiler.InlineInstructions++;
            if (BlockCompiler.IsJump(ref op))
                il.Branch(slot, ip, next, (next + op.Imm) & 0xFFFF, startIp, condition: null, last: true);
            else if (template is null)
                il.Handler(slot, ip, next, (nint)op.Execute, (nint)Unsafe.AsPointer(ref op), count - 1 - i);
            else if (template.Shape is Shape.Jcc or Shape.Loop)
                il.Branch(slot, ip, next, (next + op.Imm) & 0xFFFF, startIp, template.Shape == Shape.Jcc ? op.Sub : -1, last);
            else
                il.Operation(template, ref op, slot, ip, next);
            ip = next;
        }
        il.End(first + count - 1, ip);
        return method.CreateDelegate<Func<Processor, int>>();
    }

    /// <summary>The IL of one block, instruction by instruction; keeps count of the instructions retired
    /// since <c>Retired</c> was last written.</summary>
    private sealed class Emitter(ILGenerator il, int count)
    {
        private readonly Label _top = il.DefineLabel();
        private readonly LocalBuilder _generation = il.DeclareLocal(typeof(int));
        private int _pending;

        public void Start()
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, GetCodeGeneration);
            il.Emit(OpCodes.Stloc, _generation);
            il.MarkLabel(_top);
        }

        public void End(int lastSlot, uint nextIp)
        {
            Retire(0);
            SetIp(nextIp);
            Return(lastSlot);
        }

        // A specialised operation: registers, immediates, segment and address recipe as constants.
        public void Operation(Template t, ref DecodedOp op, int slot, uint ip, uint next)
        {
            bool memory = t.Shape is Shape.RegMem or Shape.MemReg or Shape.MemImm or Shape.Mem or Shape.Stack;
            if (memory)
                BeforeSideEffects(ip, next);
            il.Emit(OpCodes.Ldarg_0);
            switch (t.Shape)
            {
                case Shape.RegReg: Int(op.Reg0); Int(op.Reg1); break;
                case Shape.RegImm: Int(op.Reg0); Int((int)op.Imm); break;
                case Shape.RegMem: Int(op.Reg0); Int(op.Seg); Ea(ref op); break;
                case Shape.MemReg: Int(op.Seg); Ea(ref op); Int(op.Reg1); break;
                case Shape.MemImm: Int(op.Seg); Ea(ref op); Int((int)op.Imm); break;
                case Shape.Reg or Shape.Stack: Int(op.Reg0); break;
                case Shape.Mem: Int(op.Seg); Ea(ref op); break;
                case Shape.RegEa: Int(op.Reg0); Ea(ref op); break;
                case Shape.Shift: Int(op.Sub); Int(op.Reg0); Int((int)(op.Imm & 0xFF)); break;
            }
            il.Emit(OpCodes.Call, t.Method);
            if (!memory)
            {
                _pending++;
                return;
            }
            Retire(1);
            var stay = il.DefineLabel();
            var leave = il.DefineLabel();
            LeaveUnlessQuiet(leave);
            il.Emit(OpCodes.Br, stay);
            il.MarkLabel(leave);
            Return(slot);
            il.MarkLabel(stay);
        }

        // Any other instruction: what the run loop does around a handler call. A REP string instruction may
        // retire many, so the budget is checked again for the rest of the block.
        public void Handler(int slot, uint ip, uint next, nint handler, nint op, int after)
        {
            BeforeSideEffects(ip, next);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I8, (long)op);
            il.Emit(OpCodes.Conv_U);
            il.Emit(OpCodes.Ldc_I8, (long)handler);
            il.Emit(OpCodes.Conv_I);
            il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, typeof(void), [typeof(Processor), typeof(DecodedOp).MakeByRefType()], null);
            Retire(1);
            var stay = il.DefineLabel();
            var leave = il.DefineLabel();
            LeaveUnlessQuiet(leave);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, GetBudget);
            il.Emit(OpCodes.Ldc_I8, (long)after);
            il.Emit(OpCodes.Blt, leave);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, EipField);
            Int((int)next);
            il.Emit(OpCodes.Beq, stay);
            il.MarkLabel(leave);
            Return(slot);
            il.MarkLabel(stay);
        }

        // Jcc (condition = cc), LOOP (condition = -1) or JMP (condition = null), to a constant target.
        public void Branch(int slot, uint ip, uint next, uint target, uint startIp, int? condition, bool last)
        {
            _pending++;
            Retire(0);
            var notTaken = il.DefineLabel();
            if (condition is int cc)
            {
                il.Emit(OpCodes.Ldarg_0);
                if (cc >= 0)
                {
                    Int(cc);
                    il.Emit(OpCodes.Call, ConditionMethod);
                }
                else
                {
                    il.Emit(OpCodes.Call, LoopCxTakenMethod);
                }
                il.Emit(OpCodes.Brfalse, notTaken);
            }
            if (target == startIp)
            {
                // Another pass when the budget holds all of it and nothing waits; otherwise the run loop takes over.
                var leave = il.DefineLabel();
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Call, GetAttention);
                il.Emit(OpCodes.Brtrue, leave);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Call, GetBudget);
                il.Emit(OpCodes.Ldc_I8, (long)count);
                il.Emit(OpCodes.Blt, leave);
                il.Emit(OpCodes.Br, _top);
                il.MarkLabel(leave);
            }
            SetIp(target);
            Return(slot);
            il.MarkLabel(notTaken);
            if (last && condition is not null)
            {
                SetIp(next);
                Return(slot);
            }
        }

        // Before an instruction that may fault, exit, or read the count or IP: both as the run loop has them.
        private void BeforeSideEffects(uint ip, uint next)
        {
            Retire(0);
            il.Emit(OpCodes.Ldarg_0);
            Int((int)(ushort)ip);
            il.Emit(OpCodes.Call, SetInstructionIp);
            SetIp(next);
        }

        private void LeaveUnlessQuiet(Label leave)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, GetAttention);
            il.Emit(OpCodes.Brtrue, leave);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, GetCodeGeneration);
            il.Emit(OpCodes.Ldloc, _generation);
            il.Emit(OpCodes.Bne_Un, leave);
        }

        // Retired += the instructions pending plus `more`.
        private void Retire(int more)
        {
            int n = _pending + more;
            _pending = 0;
            if (n == 0)
                return;
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, GetRetired);
            il.Emit(OpCodes.Ldc_I8, (long)n);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Call, SetRetired);
        }

        private void SetIp(uint ip)
        {
            il.Emit(OpCodes.Ldarg_0);
            Int((int)ip);
            il.Emit(OpCodes.Stfld, EipField);
        }

        private void Return(int slot)
        {
            Int(slot);
            il.Emit(OpCodes.Ret);
        }

        private void Int(int value) => il.Emit(OpCodes.Ldc_I4, value);

        // The effective address as Processor.Ea computes it, with the absent parts left out.
        private void Ea(ref DecodedOp op)
        {
            Int((int)op.Disp);
            if (op.Base != Reg.None)
            {
                Register(op.Base);
                il.Emit(OpCodes.Add);
            }
            if (op.Index != Reg.None)
            {
                Register(op.Index);
                if (op.Scale != 0)
                {
                    Int(op.Scale);
                    il.Emit(OpCodes.Shl);
                }
                il.Emit(OpCodes.Add);
            }
            if (!op.Address32)
            {
                Int(0xFFFF);
                il.Emit(OpCodes.And);
            }
        }

        private void Register(int reg)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, RegsField);
            Int(reg);
            il.Emit(OpCodes.Ldelem_U4);
        }
    }

    // ---- the operations compiled inline, by the handler the decoder chose ----

    // The operands each shape passes, after the processor: RegReg (reg0, reg1), RegImm (reg0, imm), RegMem (reg0,
    // seg, ea), MemReg (seg, ea, reg1), MemImm (seg, ea, imm), Reg and Stack (reg0), Mem (seg, ea), RegEa (reg0,
    // ea: LEA, no access), Shift (operation, reg0, count).
    private enum Shape { RegReg, RegImm, RegMem, MemReg, MemImm, Reg, Mem, RegEa, Shift, Stack, Jcc, Loop }

    private sealed record Template(Shape Shape, MethodInfo Method);

    private static readonly MethodInfo LoopCxTakenMethod = Operation(nameof(Specialized.LoopCxTaken));

    private static readonly Dictionary<nint, Template> Templates = BuildTemplates();

    private static Dictionary<nint, Template> BuildTemplates()
    {
        var map = new Dictionary<nint, Template>();
        AddAlu<AddOp>(map);
        AddAlu<OrOp>(map);
        AddAlu<AdcOp>(map);
        AddAlu<SbbOp>(map);
        AddAlu<AndOp>(map);
        AddAlu<SubOp>(map);
        AddAlu<XorOp>(map);
        AddAlu<CmpOp>(map);
        AddAlu<TestOp>(map);
        AddWidth<W8>(map);
        AddWidth<W16>(map);
        AddWidth<W32>(map);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.PushReg16] = new(Shape.Stack, Operation(nameof(Specialized.PushR16)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.PopReg16] = new(Shape.Stack, Operation(nameof(Specialized.PopR16)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Jcc16] = new(Shape.Jcc, ConditionMethod);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LoopCx16] = new(Shape.Loop, LoopCxTakenMethod);
        return map;
    }

    private static void AddAlu<TOp>(Dictionary<nint, Template> map) where TOp : struct, IAluOp
    {
        AddAlu<TOp, W8>(map);
        AddAlu<TOp, W16>(map);
        AddAlu<TOp, W32>(map);
    }

    private static void AddAlu<TOp, W>(Dictionary<nint, Template> map) where TOp : struct, IAluOp where W : struct, IWidth
    {
        Type[] types = [typeof(TOp), typeof(W)];
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegReg<TOp, W>] = new(Shape.RegReg, Operation(nameof(Specialized.AluRR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegImm<TOp, W>] = new(Shape.RegImm, Operation(nameof(Specialized.AluRI), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegMem<TOp, W>] = new(Shape.RegMem, Operation(nameof(Specialized.AluRM), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluMemReg<TOp, W>] = new(Shape.MemReg, Operation(nameof(Specialized.AluMR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluMemImm<TOp, W>] = new(Shape.MemImm, Operation(nameof(Specialized.AluMI), types));
    }

    private static void AddWidth<W>(Dictionary<nint, Template> map) where W : struct, IWidth
    {
        Type[] types = [typeof(W)];
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegReg<W>] = new(Shape.RegReg, Operation(nameof(Specialized.MovRR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegImm<W>] = new(Shape.RegImm, Operation(nameof(Specialized.MovRI), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegMem<W>] = new(Shape.RegMem, Operation(nameof(Specialized.MovRM), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovMemReg<W>] = new(Shape.MemReg, Operation(nameof(Specialized.MovMR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovMemImm<W>] = new(Shape.MemImm, Operation(nameof(Specialized.MovMI), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.IncReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.IncR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.DecReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.DecR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.IncMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.IncM), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.DecMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.DecM), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NotReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.NotR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NotMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.NotM), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NegReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.NegR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NegMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.NegM), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.XchgRegReg<W>] = new(Shape.RegReg, Operation(nameof(Specialized.XchgRR), types));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.ShiftRegImm<W>] = new(Shape.Shift, Operation(nameof(Specialized.ShiftRI), types));
        if (W.Size > 1)
            map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LeaReg<W>] = new(Shape.RegEa, Operation(nameof(Specialized.LeaR), types));
    }

    private static MethodInfo Operation(string name, params Type[] types)
    {
        MethodInfo method = typeof(Specialized).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;
        return types.Length == 0 ? method : method.MakeGenericMethod(types);
    }
}
