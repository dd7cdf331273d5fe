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
    private static readonly FieldInfo FlagStateField = typeof(Processor).GetField(nameof(Processor.FlagState), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo EipField = typeof(Processor).GetField(nameof(Processor.Eip), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly MethodInfo GetRetired = Getter(nameof(Processor.Retired));
    private static readonly MethodInfo SetRetired = typeof(Processor).GetProperty(nameof(Processor.Retired))!.GetSetMethod(nonPublic: true)!;
    private static readonly MethodInfo SetInstructionIp = typeof(Processor).GetProperty(nameof(Processor.InstructionIp))!.GetSetMethod(nonPublic: true)!;
    private static readonly MethodInfo GetAttention = Getter(nameof(Processor.NeedsAttention));
    private static readonly MethodInfo GetCodeGeneration = Getter(nameof(Processor.CodeGeneration));
    private static readonly MethodInfo GetBudget = Getter(nameof(Processor.RepeatBudget));
    private static readonly MethodInfo ConditionMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.Condition))!;

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
    /// <remarks>
    /// The guest state the inline operations use lives in IL locals while they use it (the JIT keeps them in
    /// machine registers): the general registers, and FLAGS with its pending lazy record (<see cref="LazyFlags"/>,
    /// whose few fields the JIT promotes to registers, so that a record the next operation replaces is never
    /// stored). Each is loaded from the processor (<c>Regs</c>, <c>FlagState</c>) at its first use after the
    /// block's start or a handler call (which may read or change any of them), and written back, if changed,
    /// before anything that can see it: an instruction that may fault (a memory access: the fault pushes FLAGS),
    /// a handler call, and every way out of the method, including the loop back to its start (a pass starts with
    /// nothing loaded). The IL runs top to bottom but for that loop and the ways out, so what is loaded or changed
    /// at each point is known while it is written.
    /// </remarks>
    private sealed class Emitter(ILGenerator il, int count)
    {
        private readonly Label _top = il.DefineLabel();
        private readonly LocalBuilder _generation = il.DeclareLocal(typeof(int));
        private readonly LocalBuilder?[] _regs = new LocalBuilder?[8];
        private readonly bool[] _loaded = new bool[8], _dirty = new bool[8];
        private LocalBuilder? _flags;
        private bool _flagsLoaded, _flagsDirty;
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

        // A specialised operation: registers (as their locals), immediates, segment and address recipe as constants.
        public void Operation(Template t, ref DecodedOp op, int slot, uint ip, uint next)
        {
            bool memory = t.Shape is Shape.RegMem or Shape.MemReg or Shape.MemImm or Shape.Mem or Shape.Stack;
            if (memory)
            {
                // It may fault: Regs must be what the instruction found (a register loaded below reads it as written).
                WriteBack(forget: false);
                BeforeSideEffects(ip, next);
            }
            int size = t.Size;
            switch (t.Shape)
            {
                case Shape.RegReg: Context(t); Slot(op.Reg0, size); Slot(op.Reg1, size); break;
                case Shape.RegImm: Context(t); Slot(op.Reg0, size); Int((int)op.Imm); break;
                case Shape.RegMem: Context(t); Slot(op.Reg0, size); Int(op.Seg); Ea(ref op); break;
                case Shape.MemReg: Context(t); Int(op.Seg); Ea(ref op); Slot(op.Reg1, size); break;
                case Shape.MemImm: Context(t); Int(op.Seg); Ea(ref op); Int((int)op.Imm); break;
                case Shape.Reg: Context(t); Slot(op.Reg0, size); break;
                case Shape.Mem: Context(t); Int(op.Seg); Ea(ref op); break;
                case Shape.RegEa: Slot(op.Reg0, size); Ea(ref op); break;
                case Shape.Shift: Context(t); Int(op.Sub); Slot(op.Reg0, size); Int((int)(op.Imm & 0xFF)); break;
                case Shape.Stack: Context(t); SlotOnly(Reg.SP); SlotOnly(op.Reg0); break;
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
            WriteBack(forget: true);
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
                if (cc >= 0)
                {
                    FlagsAddress();
                    Int(cc);
                    il.Emit(OpCodes.Call, ConditionMethod);
                }
                else
                {
                    SlotOnly(Reg.CX);
                    il.Emit(OpCodes.Call, LoopCxTakenMethod);
                }
                il.Emit(OpCodes.Brfalse, notTaken);
            }
            if (target == startIp)
            {
                // Another pass when the budget holds all of it and nothing waits; otherwise the run loop takes over.
                // Either way the guest state goes back first: the next pass loads it again.
                EmitWriteBack();
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
                SetIp(target);
                Int(slot);
                il.Emit(OpCodes.Ret);
            }
            else
            {
                SetIp(target);
                Return(slot);
            }
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

        // A way out of the method: the changed guest state goes back to the processor first.
        private void Return(int slot)
        {
            EmitWriteBack();
            Int(slot);
            il.Emit(OpCodes.Ret);
        }

        private void Int(int value) => il.Emit(OpCodes.Ldc_I4, value);

        // The operation's leading arguments: the processor, the address of the flags local, as it takes them.
        private void Context(Template t)
        {
            if (t.TakesProcessor)
                il.Emit(OpCodes.Ldarg_0);
            if (t.TakesFlags)
                FlagsAddress();
        }

        // The address of the flags local (loaded first if it is not); the operation may change it.
        private void FlagsAddress()
        {
            if (!_flagsLoaded)
            {
                _flags ??= il.DeclareLocal(typeof(LazyFlags));
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, FlagStateField);
                il.Emit(OpCodes.Stloc, _flags);
                _flagsLoaded = true;
            }
            _flagsDirty = true;
            il.Emit(OpCodes.Ldloca, _flags!);
        }

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

        // A register's value (its whole slot: address registers are 16 or 32 bits, masked by the address size).
        private void Register(int reg)
        {
            Load(reg);
            il.Emit(OpCodes.Ldloc, _regs[reg]!);
        }

        // The address of register `reg`'s slot local (as a width-`size` register: AH is in AX's slot); it may change.
        private void Slot(int reg, int size)
        {
            SlotOnly(size == 1 ? reg & 3 : reg);
            Int(reg);
        }

        private void SlotOnly(int slot)
        {
            Load(slot);
            _dirty[slot] = true;
            il.Emit(OpCodes.Ldloca, _regs[slot]!);
        }

        private void Load(int slot)
        {
            if (_loaded[slot])
                return;
            _regs[slot] ??= il.DeclareLocal(typeof(uint));
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, RegsField);
            Int(slot);
            il.Emit(OpCodes.Ldelem_U4);
            il.Emit(OpCodes.Stloc, _regs[slot]!);
            _loaded[slot] = true;
        }

        // Writes the changed guest state back (it stays loaded and is then unchanged), and forgets all of it when
        // what follows may change it (a handler call).
        private void WriteBack(bool forget)
        {
            EmitWriteBack();
            Array.Clear(_dirty);
            _flagsDirty = false;
            if (forget)
            {
                Array.Clear(_loaded);
                _flagsLoaded = false;
            }
        }

        // The stores of the changed guest state, for one way out: what the IL after it has loaded or changed stays.
        private void EmitWriteBack()
        {
            if (_flagsDirty)
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldloc, _flags!);
                il.Emit(OpCodes.Stfld, FlagStateField);
            }
            for (int r = 0; r < 8; r++)
            {
                if (!_dirty[r])
                    continue;
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, RegsField);
                Int(r);
                il.Emit(OpCodes.Ldloc, _regs[r]!);
                il.Emit(OpCodes.Stelem_I4);
            }
        }
    }

    // ---- the operations compiled inline, by the handler the decoder chose ----

    // The operands each shape passes, after the processor and the flags: RegReg (reg0, reg1), RegImm (reg0, imm), RegMem (reg0,
    // seg, ea), MemReg (seg, ea, reg1), MemImm (seg, ea, imm), Reg and Stack (reg0), Mem (seg, ea), RegEa (reg0,
    // ea: LEA, no access), Shift (operation, reg0, count).
    private enum Shape { RegReg, RegImm, RegMem, MemReg, MemImm, Reg, Mem, RegEa, Shift, Stack, Jcc, Loop }

    // Size: the operand width in bytes (which slot a byte register is in); TakesProcessor: the operation's first
    // parameter is the processor (register-only operations need nothing but their slots); TakesFlags: it takes the
    // flags (by reference) next.
    private sealed record Template(Shape Shape, MethodInfo Method, int Size = 2)
    {
        public bool TakesProcessor { get; } = Method.GetParameters()[0].ParameterType == typeof(Processor);
        public bool TakesFlags { get; } = Method.GetParameters().Any(p => p.ParameterType == typeof(LazyFlags).MakeByRefType());
    }

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
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegReg<TOp, W>] = new(Shape.RegReg, Operation(nameof(Specialized.AluRR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegImm<TOp, W>] = new(Shape.RegImm, Operation(nameof(Specialized.AluRI), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegMem<TOp, W>] = new(Shape.RegMem, Operation(nameof(Specialized.AluRM), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluMemReg<TOp, W>] = new(Shape.MemReg, Operation(nameof(Specialized.AluMR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluMemImm<TOp, W>] = new(Shape.MemImm, Operation(nameof(Specialized.AluMI), types), W.Size);
    }

    private static void AddWidth<W>(Dictionary<nint, Template> map) where W : struct, IWidth
    {
        Type[] types = [typeof(W)];
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegReg<W>] = new(Shape.RegReg, Operation(nameof(Specialized.MovRR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegImm<W>] = new(Shape.RegImm, Operation(nameof(Specialized.MovRI), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegMem<W>] = new(Shape.RegMem, Operation(nameof(Specialized.MovRM), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovMemReg<W>] = new(Shape.MemReg, Operation(nameof(Specialized.MovMR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovMemImm<W>] = new(Shape.MemImm, Operation(nameof(Specialized.MovMI), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.IncReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.IncR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.DecReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.DecR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.IncMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.IncM), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.DecMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.DecM), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NotReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.NotR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NotMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.NotM), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NegReg<W>] = new(Shape.Reg, Operation(nameof(Specialized.NegR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NegMem<W>] = new(Shape.Mem, Operation(nameof(Specialized.NegM), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.XchgRegReg<W>] = new(Shape.RegReg, Operation(nameof(Specialized.XchgRR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.ShiftRegImm<W>] = new(Shape.Shift, Operation(nameof(Specialized.ShiftRI), types), W.Size);
        if (W.Size > 1)
            map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LeaReg<W>] = new(Shape.RegEa, Operation(nameof(Specialized.LeaR), types), W.Size);
    }

    private static MethodInfo Operation(string name, params Type[] types)
    {
        MethodInfo method = typeof(Specialized).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;
        return types.Length == 0 ? method : method.MakeGenericMethod(types);
    }
}
