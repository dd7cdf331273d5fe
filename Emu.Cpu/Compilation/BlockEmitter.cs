using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Emu.Cpu.Decoding;
using Emu.Cpu.Execution;
using Emu.Memory;

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
    private static readonly MethodInfo SetInstructionCs = typeof(Processor).GetProperty(nameof(Processor.InstructionCs))!.GetSetMethod(nonPublic: true)!;
    private static readonly MethodInfo GetAttention = Getter(nameof(Processor.NeedsAttention));
    private static readonly MethodInfo GetCodeGeneration = Getter(nameof(Processor.CodeGeneration));
    private static readonly MethodInfo GetBudget = Getter(nameof(Processor.RepeatBudget));
    private static readonly MethodInfo LoadSegmentMethod = ProcessorMethod(nameof(Processor.LoadSegment));
    private static readonly FieldInfo SregsField = typeof(Processor).GetField(nameof(Processor.Sregs), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly MethodInfo FlagsValueGetter = typeof(LazyFlags).GetProperty(nameof(LazyFlags.Value))!.GetGetMethod()!;
    private static readonly FieldInfo SegBaseField = typeof(Processor).GetField(nameof(Processor.SegBase), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly MethodInfo GetMemory = typeof(Processor).GetProperty(nameof(Processor.Memory))!.GetGetMethod()!;
    private static readonly MethodInfo GetPlain = typeof(GuestMemory).GetProperty(nameof(GuestMemory.Plain))!.GetGetMethod()!;
    private static readonly MethodInfo CanReadMethod = typeof(PlainAccess).GetMethod(nameof(PlainAccess.CanRead))!;
    private static readonly MethodInfo CanWriteMethod = typeof(PlainAccess).GetMethod(nameof(PlainAccess.CanWrite))!;
    private static readonly MethodInfo AtMethod = typeof(PlainAccess).GetMethod(nameof(PlainAccess.At))!;
    private static readonly MethodInfo SetIn16 = typeof(W16).GetMethod(nameof(W16.SetIn))!;
    private static readonly MethodInfo SetIn8 = typeof(W8).GetMethod(nameof(W8.SetIn))!;
    private static readonly MethodInfo GetIn8 = typeof(W8).GetMethod(nameof(W8.GetIn))!;
    private static readonly MethodInfo ConditionMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.Condition))!;

    private static readonly MethodInfo EnterCodeSegmentMethod = ProcessorMethod(nameof(Processor.EnterCodeSegment));
    private static readonly MethodInfo JumpFarMethod = ProcessorMethod(nameof(Processor.JumpFar));
    private static readonly MethodInfo EnterInterruptMethod = ProcessorMethod(nameof(Processor.EnterInterrupt));
    private static readonly MethodInfo EnterInterruptPlainMethod = ProcessorMethod(nameof(Processor.EnterInterruptPlain));
    private static readonly MethodInfo IretPlainMethod = ProcessorMethod(nameof(Processor.IretPlain));
    private static readonly MethodInfo CallFarPlainMethod = ProcessorMethod(nameof(Processor.CallFarPlain));
    private static readonly MethodInfo RetfPlainMethod = ProcessorMethod(nameof(Processor.RetfPlain));

    private static MethodInfo ProcessorMethod(string name) =>
        typeof(Processor).GetMethod(name, BindingFlags.Instance | BindingFlags.NonPublic)!;

    private static MethodInfo Getter(string property) =>
        typeof(Processor).GetProperty(property, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!.GetGetMethod(nonPublic: true)!;

    /// <summary>The method of the block made of <paramref name="steps"/> (see <see cref="BlockCompiler"/>), whose
    /// longest ways out are <paramref name="longest"/>, bound to <paramref name="cpu"/> (a delegate closed over its
    /// first argument is called without the shuffle an open static one takes); counts its instructions in
    /// <paramref name="compiler"/>.</summary>
    public static Func<int> Emit(BlockCompiler compiler, Processor cpu, DecodedOp[] pool, List<BlockCompiler.Step> steps, int[] longest)
    {
        // Each step's template, found once (the memory and segment forms are made by reflection) for both writings.
        var templates = new Template?[steps.Count];
        for (int i = 0; i < steps.Count; i++)
            templates[i] = TemplateOf(ref pool[steps[i].Slot], cpu.Model);
        (DynamicMethod method, Emitter.Usage usage) = Write(pool, steps, templates, longest, cpu.Model, loops: null);
        // A block that loops is written again knowing what it uses: that guest state is loaded before the first
        // step and stays in locals from one pass to the next (see the Emitter's remarks).
        if (usage.Loops)
            (method, _) = Write(pool, steps, templates, longest, cpu.Model, usage);
        for (int i = 0; i < steps.Count; i++)
        {
            ref DecodedOp op = ref pool[steps[i].Slot];
            if (templates[i] is null && TransferOf(ref op, last: steps[i].Next < 0) == BlockCompiler.Transfer.None)
                compiler.HandlerInstructions++;
            else
                compiler.InlineInstructions++;
        }
        return method.CreateDelegate<Func<int>>(cpu);
    }

    // The transfer the block goes on through at `op` (see BlockCompiler.Transfer); an indirect one the block ends
    // at (its target not followed) is a handler call like any other instruction.
    private static BlockCompiler.Transfer TransferOf(ref DecodedOp op, bool last) => BlockCompiler.KindOf(ref op) switch
    {
        BlockCompiler.Transfer.JumpIndirect or BlockCompiler.Transfer.CallIndirect
            or BlockCompiler.Transfer.JumpFarIndirect or BlockCompiler.Transfer.CallFarIndirect when last => BlockCompiler.Transfer.None,
        var kind => kind,
    };

    private static (DynamicMethod, Emitter.Usage) Write(DecodedOp[] pool, List<BlockCompiler.Step> steps, Template?[] templates, int[] longest, CpuModel model, Emitter.Usage? loops)
    {
        BlockCompiler.Step start = steps[0];
        var method = new DynamicMethod($"Block_{(int)start.Cs:X4}_{(int)start.Ip:X4}_{start.Slot}", typeof(int), [typeof(Processor)], typeof(Processor), skipVisibility: true);
        var il = new Emitter(method.GetILGenerator(), steps, longest, model);
        bool[] segments = new bool[6];
        for (int i = 0; i < steps.Count; i++)
        {
            if (templates[i] is { } t && MemorySegment(t, ref pool[steps[i].Slot]) is int seg)
            {
                segments[seg] = true;
                if (t.Shape == Shape.String)
                    segments[Seg.ES] = true;
            }
        }
        il.Start(segments, loops);
        for (int i = 0; i < steps.Count; i++)
        {
            (int slot, ushort cs, ushort ip, int onward, _) = steps[i];
            ref DecodedOp op = ref pool[slot];
            uint next = ((uint)ip + op.Length) & 0xFFFF;
            bool last = onward < 0;
            // Where a transfer goes on inline: the next step (a return checks that it popped its CS:IP).
            (ushort Cs, ushort Ip)? then = last ? null : (steps[onward].Cs, steps[onward].Ip);
            il.At(cs);
            il.Enter(i);
            Template? template = templates[i];
            BlockCompiler.Transfer transfer = TransferOf(ref op, last);
            uint target = (next + op.Imm) & 0xFFFF;
            switch (transfer)
            {
                case BlockCompiler.Transfer.Jump:
                    il.Followed();
                    il.GoOn(i, target);
                    break;
                case BlockCompiler.Transfer.Call:
                    il.Call(slot, ip, next, target, last);
                    il.GoOn(i, null);
                    break;
                case BlockCompiler.Transfer.CallFar:
                    il.CallFar(slot, ip, next, (ushort)op.Imm2, op.Imm & 0xFFFF, last);
                    il.GoOn(i, null);
                    break;
                case BlockCompiler.Transfer.JumpIndirect or BlockCompiler.Transfer.CallIndirect
                    or BlockCompiler.Transfer.JumpFarIndirect or BlockCompiler.Transfer.CallFarIndirect:
                    il.Indirect(transfer, ref op, slot, ip, next, then!.Value);
                    il.GoOn(i, null);
                    break;
                case BlockCompiler.Transfer.Ret or BlockCompiler.Transfer.Retf or BlockCompiler.Transfer.Iret or BlockCompiler.Transfer.Int:
                    il.Checked(transfer, slot, ip, next, transfer == BlockCompiler.Transfer.Int ? BlockCompiler.VectorOf(ref op) : op.Imm, then);
                    il.GoOn(i, null);
                    break;
                default:
                    if (template is null)
                        il.Handler(i, ip, next, (nint)op.Execute, (nint)Unsafe.AsPointer(ref op), BlockCompiler.BranchTarget(ref op, next));
                    else if (template.Shape == Shape.Port)
                        il.Port(template, ref op, i, ip, next);
                    else if (template.Shape is Shape.Jcc or Shape.Loop)
                        il.Branch(i, target, template.Method!, op.Sub);
                    else
                        il.Operation(template, ref op, slot, ip, next);
                    il.GoOn(i, next);
                    break;
            }
        }
        il.End();
        return (method, il.Used());
    }

    /// <summary>The IL of one block, instruction by instruction; keeps count of the instructions retired
    /// since <c>Retired</c> was last written.</summary>
    /// <remarks>
    /// The guest state the inline operations use lives in IL locals while they use it (the JIT keeps them in
    /// machine registers): the general registers, and FLAGS with its pending lazy record (<see cref="LazyFlags"/>,
    /// whose few fields the JIT promotes to registers, so that a record the next operation replaces is never
    /// stored). Each is loaded from the processor (<c>Regs</c>, through one reference taken at the start, and
    /// <c>FlagState</c>) at its first use after the block's start or a handler call (which may read or change any of
    /// them), and written back, if changed, before anything that can see it: a memory access that leaves the fast
    /// path (a fault pushes FLAGS), a handler call, and every way out of the method. Steps are written in the block's
    /// order, each path after the branch it comes from; the IL runs top to bottom but for branches, the ways out and the
    /// slow paths, so what is loaded or changed at each point is known while it is written: a path's first step starts
    /// with the state of the branch that goes there. A head (a step gone to from a later step, or from two places)
    /// starts with what its first way in has loaded, counted as changed (every way out writes it back); every other way
    /// in (Join) writes back what it changed that the head does not hold and loads what the head holds. A block that
    /// loops is written knowing what it uses (<see cref="Usage"/>): that is loaded at its start, so it stays in locals
    /// from one pass to the next.
    /// <para>A memory operand is first tested for a plain access (<see cref="PlainAccess"/>, the offset inside the
    /// segment): on that fast path the operation runs on the bytes, as its register form over a local that stands for
    /// the operand, and nothing else happens. Otherwise the slow path, written after the block's end, does what the run
    /// loop does (registers written back, <c>Retired</c> and IP written, the whole operation through the processor's
    /// memory access, the block left when attention was raised or cached code dropped) and then comes back with
    /// everything as the fast path leaves it: <c>Retired</c> as it was (the instruction stays counted as pending),
    /// registers, segment bases and the plain-access copy loaded again. The test comes before anything is read or
    /// written, so no part of an instruction runs twice.</para>
    /// </remarks>
    private sealed class Emitter
    {
        private readonly ILGenerator il;
        private readonly List<BlockCompiler.Step> _steps;
        private readonly int[] _longest;
        // Each step's label, and whether it is a head: a step gone to from more than one place, or from a later one.
        // Every way into a head brings the guest state the head's code starts with (see Enter and Join).
        private readonly Label[] _labels;
        private readonly bool[] _isHead;
        // The state a step's code starts with, where it is not reached from the step before it: for a head, the
        // state its ways in bring (its first's, with everything written back); otherwise, its only way in's.
        private readonly (State State, ushort InstructionCs)?[] _entry;
        private readonly List<Action> _joins = [];
        private readonly LocalBuilder _generation, _regsRef, _flags, _plain, _offset, _linear, _pointer, _operand, _destinationPointer;
        private readonly LocalBuilder?[] _regs = new LocalBuilder?[8];
        private readonly LocalBuilder?[] _segBases = new LocalBuilder?[6];
        // What the IL at the current point has loaded and changed, and the instructions retired but not yet counted.
        private State _state = new(new bool[8], new bool[8], new bool[6]);
        private readonly List<Action> _slowPaths = [];
        // The CS the instruction being written runs in, and the one InstructionCs holds at this point of the IL (the
        // run loop set it to the block's CS; a far transfer moves on to code of another one).
        private ushort _cs, _instructionCs;
        // The CPU model the block runs on (a processor's never changes): IDIV's limits and the REP quirk are constants.
        private readonly CpuModel _model;
        private LocalBuilder? _destination;
        // Whether the IL uses FLAGS (see Usage).
        private bool _flagsUsed;

        /// <summary>What a block's IL turned out to use: the registers and FLAGS its inline operations keep in locals,
        /// and whether it loops (goes back to a step written already).</summary>
        public sealed record Usage(bool[] Regs, bool Flags, bool Loops);

        public Usage Used()
        {
            bool[] used = new bool[_regs.Length];
            for (int r = 0; r < used.Length; r++)
                used[r] = _regs[r] is not null;
            return new(used, _flagsUsed, BlockCompiler.Loops(_steps));
        }

        private sealed record State(bool[] Loaded, bool[] Dirty, bool[] SegLoaded)
        {
            public bool FlagsLoaded, FlagsDirty, PlainLoaded;
            public int Pending;
            public State Copy() => new((bool[])Loaded.Clone(), (bool[])Dirty.Clone(), (bool[])SegLoaded.Clone())
            {
                FlagsLoaded = FlagsLoaded, FlagsDirty = FlagsDirty, PlainLoaded = PlainLoaded, Pending = Pending,
            };
        }

        public Emitter(ILGenerator il, List<BlockCompiler.Step> steps, int[] longest, CpuModel model)
        {
            this.il = il;
            _model = model;
            _steps = steps;
            _longest = longest;
            _cs = _instructionCs = steps[0].Cs;
            _labels = new Label[steps.Count];
            for (int i = 0; i < _labels.Length; i++)
                _labels[i] = il.DefineLabel();
            _entry = new (State, ushort)?[steps.Count];
            // The method's start comes into step 0.
            int[] waysIn = new int[steps.Count];
            waysIn[0] = 1;
            _isHead = new bool[steps.Count];
            for (int i = 0; i < steps.Count; i++)
            {
                foreach (int to in (ReadOnlySpan<int>)[steps[i].Next, steps[i].Taken])
                {
                    if (to < 0)
                        continue;
                    waysIn[to]++;
                    _isHead[to] |= BlockCompiler.GoesBack(i, to) || waysIn[to] > 1;
                }
            }
            _generation = il.DeclareLocal(typeof(int));
            _regsRef = il.DeclareLocal(typeof(uint).MakeByRefType());
            _flags = il.DeclareLocal(typeof(LazyFlags));
            _plain = il.DeclareLocal(typeof(PlainAccess));
            _offset = il.DeclareLocal(typeof(uint));
            _linear = il.DeclareLocal(typeof(uint));
            _pointer = il.DeclareLocal(typeof(byte*));
            _destinationPointer = il.DeclareLocal(typeof(byte*));
            _operand = il.DeclareLocal(typeof(uint));
        }

        /// <summary>The method's start; <paramref name="segments"/>: those the block's memory operands use, whose bases
        /// are loaded once here rather than on every pass; <paramref name="loops"/>: for a block that loops to its start,
        /// what its passes use, loaded here too and kept in locals from pass to pass.</summary>
        public void Start(bool[] segments, Usage? loops)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, GetCodeGeneration);
            il.Emit(OpCodes.Stloc, _generation);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, RegsField);
            Int(0);
            il.Emit(OpCodes.Ldelema, typeof(uint));
            il.Emit(OpCodes.Stloc, _regsRef);
            bool any = false;
            for (int seg = 0; seg < segments.Length; seg++)
            {
                if (segments[seg])
                {
                    SegBase(seg);
                    any = true;
                }
            }
            if (any)
                PlainAccessCopy();
            if (loops is not null)
            {
                // Loaded and counted as changed: every way out writes them back, so a pass may change any of them.
                for (int r = 0; r < 8; r++)
                {
                    if (!loops.Regs[r])
                        continue;
                    Load(r);
                    _state.Dirty[r] = true;
                }
                if (loops.Flags)
                {
                    EmitFlagsLoad();
                    _state.FlagsLoaded = _state.FlagsDirty = _flagsUsed = true;
                }
            }
        }

        /// <summary>Step <paramref name="i"/>'s code starts here, with the state its ways in bring.</summary>
        public void Enter(int i)
        {
            bool fromBefore = i == 0 || _steps[i - 1].Next == i;
            if (!fromBefore)
                (_state, _instructionCs) = (_entry[i]!.Value.State.Copy(), _entry[i]!.Value.InstructionCs);
            if (_isHead[i])
            {
                // Every way in has its instructions counted (Join; here for the step before, whose code runs on into
                // this one), and what the head has loaded counts as changed: a way in need not write it back first,
                // and every way out writes it back.
                if (fromBefore)
                    Retire(0);
                _state.Pending = 0;
                Array.Copy(_state.Loaded, _state.Dirty, _state.Loaded.Length);
                _state.FlagsDirty = _state.FlagsLoaded;
                _entry[i] = (_state.Copy(), _instructionCs);
            }
            il.MarkLabel(_labels[i]);
        }

        /// <summary>After step <paramref name="i"/>: on at its next step, or out with IP = <paramref name="ip"/> (null: the
        /// instruction has set IP, and left itself when it is the last).</summary>
        public void GoOn(int i, uint? ip)
        {
            int to = _steps[i].Next;
            if (to == i + 1 || (to < 0 && ip is null))
                return;
            GoTo(i, to, ip);
        }

        // The IL here goes to step `to` from step `from` (-1: out of the block with IP = `ip`, if not set). The state
        // as it is at this point stays as it was for the IL that follows.
        private void GoTo(int from, int to, uint? ip)
        {
            (State state, ushort instructionCs) = (_state.Copy(), _instructionCs);
            if (to < 0)
            {
                Retire(0);
                if (ip is uint leaveAt)
                    SetIp(leaveAt);
                Return(_steps[from].Slot);
            }
            else if (!_isHead[to])
            {
                _entry[to] = (state.Copy(), instructionCs);
                il.Emit(OpCodes.Br, _labels[to]);
            }
            else
            {
                var join = il.DefineLabel();
                il.Emit(OpCodes.Br, join);
                _entry[to] ??= (state.Copy(), instructionCs);
                _joins.Add(() => Join(join, state, instructionCs, from, to));
            }
            (_state, _instructionCs) = (state.Copy(), instructionCs);
        }

        // A way into head `to` from `from`, written after the block's end (where every head's state is known): the
        // instructions counted; what it changed and the head has not loaded written back, what the head has loaded
        // and it has not loaded. Going back to a step written already (a loop, or paths that meet) needs the budget for
        // that step's longest way out and nothing waiting; otherwise it leaves for the run loop, with IP the step's.
        private void Join(Label join, State state, ushort instructionCs, int from, int to)
        {
            il.MarkLabel(join);
            (_state, _instructionCs) = (state.Copy(), instructionCs);
            Retire(0);
            var leave = il.DefineLabel();
            bool back = BlockCompiler.GoesBack(from, to);
            if (back)
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Call, GetAttention);
                il.Emit(OpCodes.Brtrue, leave);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Call, GetBudget);
                il.Emit(OpCodes.Ldc_I8, (long)_longest[to]);
                il.Emit(OpCodes.Blt, leave);
            }
            State atLeave = _state.Copy();
            (State head, ushort headCs) = _entry[to]!.Value;
            for (int r = 0; r < 8; r++)
            {
                if (_state.Dirty[r] && !head.Loaded[r])
                    EmitStore(r);
                else if (head.Loaded[r] && !_state.Loaded[r])
                    EmitLoad(r);
            }
            if (_state.FlagsDirty && !head.FlagsLoaded)
                EmitFlagsStore();
            else if (head.FlagsLoaded && !_state.FlagsLoaded)
                EmitFlagsLoad();
            for (int seg = 0; seg < 6; seg++)
            {
                if (head.SegLoaded[seg] && !_state.SegLoaded[seg])
                    EmitSegBase(seg);
            }
            if (head.PlainLoaded && !_state.PlainLoaded)
                EmitPlainAccessCopy();
            if (_instructionCs != headCs)
            {
                il.Emit(OpCodes.Ldarg_0);
                Int(headCs);
                il.Emit(OpCodes.Call, SetInstructionCs);
            }
            il.Emit(OpCodes.Br, _labels[to]);
            if (!back)
                return;
            il.MarkLabel(leave);
            _state = atLeave;
            SetIp(_steps[to].Ip);
            Return(_steps[from].Slot);
        }

        public void End()
        {
            foreach (var slowPath in _slowPaths)
                slowPath();
            foreach (var join in _joins)
                join();
        }

        // A specialised operation: registers (as their locals), immediates, segment and address recipe as constants.
        public void Operation(Template t, ref DecodedOp op, int slot, uint ip, uint next)
        {
            if (t.Shape == Shape.String)
            {
                StringOperation(t, ref op, slot, ip, next);
                return;
            }
            if (t.Access != Access.None)
            {
                MemoryOperation(t, ref op, slot, ip, next);
                return;
            }
            int size = t.Size;
            switch (t.Shape)
            {
                case Shape.RegReg: Context(t.Method!); Slot(op.Reg0, size); Slot(op.Reg1, t.SourceSize == 0 ? size : t.SourceSize); break;
                case Shape.RegImm: Context(t.Method!); Slot(op.Reg0, size); Int((int)op.Imm); break;
                case Shape.Reg: Context(t.Method!); Slot(op.Reg0, size); break;
                case Shape.RegEa: Slot(op.Reg0, size); Ea(ref op); break;
                case Shape.Shift: Context(t.Method!); Int(op.Sub); Slot(op.Reg0, size); Int((int)(op.Imm & 0xFF)); break;
                case Shape.Product:
                    Product(t, op.Reg0, op.Reg1, op.Kind2 == OperandKind.Imm ? op.Imm : null);
                    _state.Pending++;
                    return;
                case Shape.AccumulatorPair:
                    SyncInstructionCs();
                    AccumulatorPair(t, op.Prefixes, op.Reg0);
                    if (t.Method!.ReturnType != typeof(bool))
                    {
                        _state.Pending++;
                        return;
                    }
                    // DIV and IDIV return false where they fault, having changed nothing: the handler, on the slow
                    // path, raises #DE (and the block leaves, IP having moved).
                    var fault = il.DefineLabel();
                    il.Emit(OpCodes.Brfalse, fault);
                    State before = _state.Copy();
                    _state.Pending++;
                    HandlerSlowPath(fault, before, _cs, slot, ip, next, (nint)op.Execute, (nint)Unsafe.AsPointer(ref op));
                    return;
                case Shape.Setcc: Context(t.Method!); Int(op.Sub); Slot(op.Reg0, 1); break;
                case Shape.ShiftCl: Context(t.Method!); Int(op.Sub); Slot(op.Reg0, size); Register(Reg.CX); break;
                case Shape.FlagBit: Context(t.Method!); Int(op.Sub); break;
                case Shape.Accumulator:
                    Context(t.Method!);
                    foreach (ParameterInfo p in t.Method!.GetParameters())
                    {
                        if (p.Name is "ax" or "dx")
                            SlotOnly(p.Name == "ax" ? Reg.AX : Reg.DX);
                    }
                    break;
                case Shape.RegSeg: Context(t.Method!); Slot(op.Reg0, size); Selector(op.Reg1); break;
                case Shape.SegLoad:
                    il.Emit(OpCodes.Ldarg_0);
                    Int(op.Reg0);
                    Register(op.Reg1);
                    _state.SegLoaded[op.Reg0] = false;
                    break;
                case Shape.Nothing:
                    _state.Pending++;
                    return;
            }
            il.Emit(OpCodes.Call, t.Method!);
            _state.Pending++;
        }

        // MUL, IMUL, DIV, IDIV with one operand: the operation over the accumulator's slots (AX's twice for a byte
        // operation, which leaves DX alone), the source (register `source`, or the memory operand's local), the size and
        // the REP quirk as constants.
        private void AccumulatorPair(Template t, PrefixFlags prefixes, int? source)
        {
            MethodInfo operation = t.Method!;
            ParameterInfo[] parameters = operation.GetParameters();
            Context(operation);
            SlotOnly(Reg.AX);
            SlotOnly(t.Size == 1 ? Reg.AX : Reg.DX);
            if (source is int reg)
                Source(reg, t.Size);
            else
                il.Emit(OpCodes.Ldloc, _operand);
            Int(t.Size);
            if (parameters[^1].ParameterType == typeof(bool))
                Int(MulDiv.RepNegates(_model, prefixes) ? 1 : 0);
            il.Emit(OpCodes.Call, operation);
        }

        // IMUL with two or three operands: reg0 = the source (register `source`, or the memory operand's local) x the
        // immediate or reg0's value (MulDiv.ImulInto).
        private void Product(Template t, int reg0, int? source, uint? immediate)
        {
            FlagsAddress();
            SlotOnly(reg0);
            if (source is int reg)
                Register(reg);
            else
                il.Emit(OpCodes.Ldloc, _operand);
            if (immediate is uint imm)
                Int((int)imm);
            else
                Register(reg0);
            Int(t.Size);
            il.Emit(OpCodes.Call, t.Method!);
        }

        // A register operand's value (AH..BH from their word's high byte).
        private void Source(int reg, int size)
        {
            Register(W8Slot(reg, size));
            if (size == 1)
            {
                Int(reg);
                il.Emit(OpCodes.Call, GetIn8);
            }
        }

        // An operation with a memory operand: the fast path here, the slow path after the block's end.
        private void MemoryOperation(Template t, ref DecodedOp op, int slot, uint ip, uint next)
        {
            int size = t.Size;
            // The memory operand's width: the operation's, but for MOVZX/MOVSX its source's.
            int width = t.Shape == Shape.RegMem && t.SourceSize != 0 ? t.SourceSize : size;
            int seg = MemorySegment(t, ref op)!.Value;
            bool stack = OnStack(t.Shape);
            bool push = stack && t.Access == Access.Write;
            var slow = il.DefineLabel();
            // The slow path, written at the end, finds InstructionCs as the fast path has it here: this CS's.
            SyncInstructionCs();
            ushort cs = _cs;

            // The offset, and whether the access is plain (the operation's registers are all loaded by then, so the
            // slow path finds them in their locals).
            switch (t.Shape)
            {
                case Shape.RegMem: Load(W8Slot(op.Reg0, size)); break;
                case Shape.MemReg: Load(W8Slot(op.Reg1, size)); break;
                case Shape.Stack: Load(op.Reg0); break;
                case Shape.Leave or Shape.Enter: Load(Reg.BP); break;
                case Shape.AccumulatorPair: Load(Reg.AX); Load(Reg.DX); break;
                case Shape.Product: Load(op.Reg0); break;
                case Shape.ShiftCl: Load(Reg.CX); break;
                case Shape.FarPointer: Load(op.Reg0); break;
                case Shape.Xlat: Load(Reg.AX); Load(Reg.BX); break;
            }
            if (stack)
            {
                // LEAVE pops BP's word at SS:BP: the stack's top is then where BP points.
                Register(t.Shape == Shape.Leave ? Reg.BP : Reg.SP);
                if (push)
                {
                    Int(2);
                    il.Emit(OpCodes.Sub);
                }
                Int(0xFFFF);
                il.Emit(OpCodes.And);
            }
            else if (t.Shape == Shape.Xlat)
            {
                // XLAT's table entry: BX + AL, in 16 bits.
                Source(Reg.BX, 2);
                Source(Reg.AX, 1);
                il.Emit(OpCodes.Add);
                Int(0xFFFF);
                il.Emit(OpCodes.And);
            }
            else
                Ea(ref op);
            il.Emit(OpCodes.Stloc, _offset);
            PlainBytes(seg, width, (t.Access & Access.Write) != 0, op.Address32, slow);
            State before = _state.Copy();

            // The fast path: the operand in a local, the operation's register form over it.
            if ((t.Access & Access.Read) != 0)
            {
                il.Emit(OpCodes.Ldloc, _pointer);
                il.Emit(OpCodes.Unaligned, (byte)1);
                il.Emit(width switch { 1 => OpCodes.Ldind_U1, 2 => OpCodes.Ldind_U2, _ => OpCodes.Ldind_U4 });
            }
            else
                Int(0);
            il.Emit(OpCodes.Stloc, _operand);
            if (t.Shape == Shape.Stack)
                StackFast(push, op.Reg0);
            else if (t.Shape == Shape.Leave)
                StackFast(push: false, Reg.BP);
            else if (t.Shape == Shape.PushValue)
                PushValueFast(ref op);
            else if (t.Shape is Shape.SegLoad or Shape.PopSegment or Shape.FarPointer)
                SegmentLoadFast(t, ref op);
            else if (t.Shape == Shape.Enter)
                EnterFast(ref op);
            else if (t.Shape == Shape.Xlat)
            {
                SlotOnly(Reg.AX);
                Int(0);
                il.Emit(OpCodes.Ldloc, _operand);
                il.Emit(OpCodes.Call, SetIn8);
            }
            else if (t.Shape == Shape.Product)
                Product(t, op.Reg0, source: null, op.Kind2 == OperandKind.Imm ? op.Imm : null);
            else if (t.Shape == Shape.AccumulatorPair)
            {
                AccumulatorPair(t, op.Prefixes, source: null);
                if (t.Method!.ReturnType == typeof(bool))
                    il.Emit(OpCodes.Brfalse, slow); // #DE: the handler, on the slow path, raises it
            }
            else
            {
                MethodInfo form = t.Method!;
                Context(form);
                switch (t.Shape)
                {
                    case Shape.RegMem: Slot(op.Reg0, size); Operand(); break;
                    case Shape.MemReg: Operand(); Slot(op.Reg1, size); break;
                    case Shape.MemImm: Operand(); Int((int)op.Imm); break;
                    case Shape.Mem: Operand(); break;
                    case Shape.Shift: Int(op.Sub); Operand(); Int((int)(op.Imm & 0xFF)); break;
                    case Shape.ShiftCl: Int(op.Sub); Operand(); Register(Reg.CX); break;
                    case Shape.Setcc: Int(op.Sub); Operand(); break;
                    case Shape.MemSeg: Operand(); Selector(op.Reg1); break;
                }
                il.Emit(OpCodes.Call, form);
            }
            if ((t.Access & Access.Write) != 0 && !push)
            {
                il.Emit(OpCodes.Ldloc, _pointer);
                il.Emit(OpCodes.Ldloc, _operand);
                il.Emit(OpCodes.Unaligned, (byte)1);
                il.Emit(size switch { 1 => OpCodes.Stind_I1, 2 => OpCodes.Stind_I2, _ => OpCodes.Stind_I4 });
            }
            _state.Pending++;
            HandlerSlowPath(slow, before, cs, slot, ip, next, (nint)op.Execute, (nint)Unsafe.AsPointer(ref op));
        }

        // A slow path's start, at `slow`: the instruction's handler run as the run loop runs it, from the state `before`
        // (what the fast path found) in code segment `cs`.
        private void HandlerFrom(Label slow, State before, ushort cs, uint ip, uint next, nint handler, nint operands)
        {
            il.MarkLabel(slow);
            _state = before.Copy();
            _cs = _instructionCs = cs;
            EmitWriteBack();
            BeforeSideEffects(ip, next);
            CallHandler(handler, operands);
            Retire(1);
        }

        // The end of a fast path whose slow path is at `slow`, written after the block's end: the instruction's handler
        // run from the state `before` (what the fast path found), in code segment `cs`, then back to where the fast
        // path ends, or out.
        private void HandlerSlowPath(Label slow, State before, ushort cs, int slot, uint ip, uint next, nint handler, nint operands)
        {
            State after = _state.Copy();
            var merge = il.DefineLabel();
            il.MarkLabel(merge);
            _slowPaths.Add(() =>
            {
                // What the run loop does: the handler, over Regs (it may fault: they must be what the instruction found).
                HandlerFrom(slow, before, cs, ip, next, handler, operands);
                var leave = il.DefineLabel();
                LeaveUnlessQuiet(leave);
                // A handler can also move IP without raising attention (DIV's #DE enters its handler).
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, EipField);
                Int((int)next);
                il.Emit(OpCodes.Bne_Un, leave);
                // Back as the fast path leaves things: what is loaded holds what the processor now has.
                BackTo(after);
                il.Emit(OpCodes.Br, merge);
                // Regs holds the registers already: nothing to write back.
                il.MarkLabel(leave);
                Int(slot);
                il.Emit(OpCodes.Ret);
            });
        }

        // LODS, STOS, MOVS, SCAS, CMPS without REP, 16-bit addresses: each memory operand (DS:SI or its override's,
        // ES:DI) tested for a plain access first, then the operation (StringOps' *Plain) over the bytes and the register
        // locals, named by its parameters; otherwise the handler, as for any memory operation.
        private void StringOperation(Template t, ref DecodedOp op, int slot, uint ip, uint next)
        {
            int size = t.Size;
            var slow = il.DefineLabel();
            SyncInstructionCs();
            ushort cs = _cs;
            ParameterInfo[] parameters = t.Method!.GetParameters();
            bool Takes(string name) => parameters.Any(p => p.Name == name);
            foreach (var (name, reg) in (ReadOnlySpan<(string, int)>)[("ax", Reg.AX), ("si", Reg.SI), ("di", Reg.DI)])
            {
                if (Takes(name))
                    Load(reg);
            }
            if (Takes("source"))
            {
                Register(Reg.SI);
                Int(0xFFFF);
                il.Emit(OpCodes.And);
                il.Emit(OpCodes.Stloc, _offset);
                PlainBytes(op.Seg, size, write: false, address32: false, slow);
            }
            if (Takes("destination"))
            {
                Register(Reg.DI);
                Int(0xFFFF);
                il.Emit(OpCodes.And);
                il.Emit(OpCodes.Stloc, _offset);
                PlainBytes(Seg.ES, size, t.Access.HasFlag(Access.Write), address32: false, slow, _destinationPointer);
            }
            State before = _state.Copy();
            foreach (ParameterInfo p in parameters)
            {
                switch (p.Name)
                {
                    case "flags": FlagsAddress(); break;
                    case "ax" when p.ParameterType.IsByRef: SlotOnly(Reg.AX); break;
                    case "ax": Register(Reg.AX); break;
                    case "si": SlotOnly(Reg.SI); break;
                    case "di": SlotOnly(Reg.DI); break;
                    case "source": il.Emit(OpCodes.Ldloc, _pointer); break;
                    case "destination": il.Emit(OpCodes.Ldloc, _destinationPointer); break;
                    case "size": Int(size); break;
                }
            }
            il.Emit(OpCodes.Call, t.Method);
            _state.Pending++;
            HandlerSlowPath(slow, before, cs, slot, ip, next, (nint)op.Execute, (nint)Unsafe.AsPointer(ref op));
        }

        // The bytes of a `size`-byte access at the offset in _offset of segment `seg`, in _pointer, when it is plain
        // (inside the segment, PlainAccess.CanRead or CanWrite), or in `pointer`; otherwise on to `slow`.
        private void PlainBytes(int seg, int size, bool write, bool address32, Label slow, LocalBuilder? pointer = null)
        {
            if (size > 1 || address32)
            {
                il.Emit(OpCodes.Ldloc, _offset);
                Int(0x1_0000 - size);
                il.Emit(OpCodes.Bgt_Un, slow);
            }
            PlainAccessCopy();
            il.Emit(OpCodes.Ldloc, SegBase(seg));
            il.Emit(OpCodes.Ldloc, _offset);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stloc, _linear);
            il.Emit(OpCodes.Ldloca, _plain);
            il.Emit(OpCodes.Ldloc, _linear);
            Int(size);
            il.Emit(OpCodes.Call, write ? CanWriteMethod : CanReadMethod);
            il.Emit(OpCodes.Brfalse, slow);
            il.Emit(OpCodes.Ldloca, _plain);
            il.Emit(OpCodes.Ldloc, _linear);
            il.Emit(OpCodes.Call, AtMethod);
            il.Emit(OpCodes.Stloc, pointer ?? _pointer);
        }

        // PUSH (the value stored, then SP moved) and POP (SP moved, then the register written: POP SP keeps the
        // value) on their plain stack word, as Specialized.PushR16 and PopR16 do through the processor.
        private void StackFast(bool push, int reg)
        {
            if (push)
                StoreStackWord(() => Register(reg));
            SetWord(Reg.SP, () => Offset(push ? 0 : 2));
            if (!push)
                SetWord(reg, () => il.Emit(OpCodes.Ldloc, _operand));
        }

        // PUSH imm16, PUSH sreg, PUSHF (16 bits) on their plain stack word: the value stored, then SP moved.
        private void PushValueFast(ref DecodedOp op)
        {
            (OperandKind kind, uint imm, int seg) = (op.Kind0, op.Imm & 0xFFFF, op.Reg0);
            StoreStackWord(() =>
            {
                switch (kind)
                {
                    case OperandKind.Imm: Int((int)imm); break;
                    case OperandKind.Seg: Selector(seg); break;
                    default:
                        FlagsAddress();
                        il.Emit(OpCodes.Call, FlagsValueGetter);
                        break;
                }
            });
            SetWord(Reg.SP, () => Offset());
        }

        // MOV sreg, m16; POP sreg (SP moved first); LES/LDS (the offset into the register, then the selector): the
        // selector from the operand local into the segment register, whose base the block loads again where next used.
        private void SegmentLoadFast(Template t, ref DecodedOp op)
        {
            int seg = t.Shape == Shape.FarPointer ? op.Sub : op.Reg0;
            if (t.Shape == Shape.PopSegment)
                SetWord(Reg.SP, () => Offset(2));
            if (t.Shape == Shape.FarPointer)
                SetWord(op.Reg0, () => il.Emit(OpCodes.Ldloc, _operand));
            il.Emit(OpCodes.Ldarg_0);
            Int(seg);
            il.Emit(OpCodes.Ldloc, _operand);
            if (t.Shape == Shape.FarPointer)
            {
                Int(16);
                il.Emit(OpCodes.Shr_Un);
            }
            il.Emit(OpCodes.Call, t.Method!);
            _state.SegLoaded[seg] = false;
        }

        // ENTER n, 0 (16 bits): BP pushed on its plain stack word, BP the new top, SP n bytes below it, as Stack.Enter.
        private void EnterFast(ref DecodedOp op)
        {
            int reserved = (int)(op.Imm & 0xFFFF);
            StoreStackWord(() => Register(Reg.BP));
            SetWord(Reg.BP, () => Offset());
            SetWord(Reg.SP, () => Offset(-reserved));
        }

        // The stack operations' three steps: the plain stack word (at _pointer) stored, a register's low word written
        // (W16.SetIn), each with what `value` leaves on the IL stack; and the stack word's offset plus `delta`.
        private void StoreStackWord(Action value)
        {
            il.Emit(OpCodes.Ldloc, _pointer);
            value();
            il.Emit(OpCodes.Unaligned, (byte)1);
            il.Emit(OpCodes.Stind_I2);
        }

        private void SetWord(int reg, Action value)
        {
            SlotOnly(reg);
            Int(reg);
            value();
            il.Emit(OpCodes.Call, SetIn16);
        }

        private void Offset(int delta = 0)
        {
            il.Emit(OpCodes.Ldloc, _offset);
            if (delta != 0)
            {
                Int(delta);
                il.Emit(OpCodes.Add);
            }
        }

        // Segment register `seg`'s selector: CS's is the block's constant (it changes only by the transfers it follows).
        private void Selector(int seg)
        {
            if (seg == Seg.CS)
            {
                Int(_cs);
                return;
            }
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, SregsField);
            Int(seg);
            il.Emit(OpCodes.Ldelem_U2);
        }

        // The memory operand as register 0 of its width (AL, AX or EAX: its low bits) in a local.
        private void Operand()
        {
            il.Emit(OpCodes.Ldloca, _operand);
            Int(0);
        }

        /// <summary>The next instruction runs in code segment <paramref name="cs"/>.</summary>
        public void At(ushort cs) => _cs = cs;

        // A JMP the block goes on through: nothing to do but count it.
        public void Followed() => _state.Pending++;

        // Near CALL rel16: the push as Specialized.CallRel16 does it, then on at the target (or out to it).
        public void Call(int slot, uint ip, uint next, uint target, bool last)
        {
            WriteBack(forget: false);
            BeforeSideEffects(ip, next);
            il.Emit(OpCodes.Ldarg_0);
            SlotOnly(Reg.SP);
            Int((int)next);
            il.Emit(OpCodes.Call, PushW16Method);
            Retire(1);
            SetIp(target);
            StayUnlessDisturbed(slot, last);
        }

        // CALL ptr16:16: the pushes on the plain path (Processor.CallFarPlain) when the block goes on at the target;
        // otherwise through SP itself (a fault on the second keeps the first, as in the handler), then on in the
        // target's code segment. Only SP changes: it is loaded again after.
        public void CallFar(int slot, uint ip, uint next, ushort targetCs, uint target, bool last)
        {
            (Label Merge, State After)? fast = last ? null : PlainFrame(BlockCompiler.Transfer.CallFar, next, 0, targetCs, (ushort)target);
            FarCallThroughProcessor(slot, ip, next, targetCs, target, last);
            if (fast is var (merge, after))
            {
                BackTo(after);
                il.MarkLabel(merge);
            }
        }

        private void FarCallThroughProcessor(int slot, uint ip, uint next, ushort targetCs, uint target, bool last)
        {
            WriteBack(forget: false);
            BeforeSideEffects(ip, next);
            il.Emit(OpCodes.Ldarg_0);
            Int((int)next);
            il.Emit(OpCodes.Call, PushReturnFar16Method);
            _state.Loaded[Reg.SP] = false;
            Retire(1);
            EnterCodeSegment(targetCs);
            SetIp(target);
            StayUnlessDisturbed(slot, last);
        }

        // RET [imm16], RETF [imm16], IRET and INT n: the instruction's own operation, and on inline only when the
        // CS:IP it arrived at is `then`'s (the return point of the CALL or INT it returns from; the IVT entry seen
        // when compiling); otherwise out with CS:IP where it went (an INT that shut the CPU down: where it was).
        public void Checked(BlockCompiler.Transfer kind, int slot, uint ip, uint next, uint operand, (ushort Cs, ushort Ip)? then)
        {
            bool near = kind == BlockCompiler.Transfer.Ret;
            // IRET and INT read and write SP and FLAGS in the processor (INT through EnterInterrupt, IRET through
            // IretR16): those go back to it first and are loaded again after; no other register changes.
            bool frame = kind is BlockCompiler.Transfer.Iret or BlockCompiler.Transfer.Int;
            (Label Merge, State After)? fast = !near && then is var (cs, ip0) ? PlainFrame(kind, next, operand, cs, ip0) : null;
            WriteBack(forget: false);
            BeforeSideEffects(ip, next);
            il.Emit(OpCodes.Ldarg_0);
            switch (kind)
            {
                case BlockCompiler.Transfer.Ret or BlockCompiler.Transfer.Retf:
                    SlotOnly(Reg.SP);
                    Int((int)operand);
                    il.Emit(OpCodes.Call, near ? RetR16Method : RetfR16Method);
                    il.Emit(OpCodes.Conv_U8);
                    break;
                case BlockCompiler.Transfer.Iret:
                    RegsElement(Reg.SP);
                    il.Emit(OpCodes.Call, IretR16Method);
                    il.Emit(OpCodes.Conv_U8);
                    break;
                default:
                    Int((int)operand);
                    Int((int)InterruptKind.Software);
                    il.Emit(OpCodes.Call, EnterInterruptMethod);
                    break;
            }
            _destination ??= il.DeclareLocal(typeof(long));
            il.Emit(OpCodes.Stloc, _destination);
            if (frame)
            {
                _state.Loaded[Reg.SP] = false;
                _state.FlagsLoaded = false;
            }
            Retire(1);
            var onward = il.DefineLabel();
            if (then is not null)
            {
                il.Emit(OpCodes.Ldloc, _destination);
                il.Emit(OpCodes.Ldc_I8, near ? then.Value.Ip : (long)then.Value.Cs << 16 | then.Value.Ip);
                il.Emit(OpCodes.Beq, onward);
            }
            if (near)
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldloc, _destination);
                il.Emit(OpCodes.Conv_U4);
                il.Emit(OpCodes.Stfld, EipField);
            }
            else
            {
                var shutDown = il.DefineLabel();
                il.Emit(OpCodes.Ldloc, _destination);
                il.Emit(OpCodes.Ldc_I8, 0L);
                il.Emit(OpCodes.Blt, shutDown);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldloc, _destination);
                Int(16);
                il.Emit(OpCodes.Shr_Un);
                il.Emit(OpCodes.Conv_U4);
                il.Emit(OpCodes.Ldloc, _destination);
                il.Emit(OpCodes.Conv_U4);
                il.Emit(OpCodes.Call, JumpFarMethod);
                il.MarkLabel(shutDown);
            }
            Return(slot);
            if (then is not var (thenCs, thenIp))
                return;
            il.MarkLabel(onward);
            if (thenCs != _cs)
                EnterCodeSegment(thenCs);
            SetIp(thenIp);
            StayUnlessDisturbed(slot, last: false);
            if (fast is var (merge, after))
            {
                // (RET and RETF moved SP in its local: the processor must hold it before BackTo loads it again.)
                EmitWriteBack();
                BackTo(after);
                il.MarkLabel(merge);
            }
        }

        // INT n, IRET, far CALL or RETF with its frame (and IVT entry) on plain memory, its target the one it was
        // compiled to go on at (Processor.EnterInterruptPlain, IretPlain, CallFarPlain, RetfPlain): done over the SP
        // (and flags) locals, then on at `merge` with the state returned. Where that fails (nothing changed), the IL
        // that follows, the instruction through the processor, comes back to `merge` with that state when it goes on.
        private (Label Merge, State After) PlainFrame(BlockCompiler.Transfer kind, uint next, uint operand, ushort thenCs, ushort thenIp)
        {
            SyncInstructionCs();
            il.Emit(OpCodes.Ldarg_0);
            SlotOnly(Reg.SP);
            switch (kind)
            {
                case BlockCompiler.Transfer.Int:
                    FlagsAddress();
                    Int((int)operand);
                    Int((int)next);
                    Int(thenCs << 16 | thenIp);
                    il.Emit(OpCodes.Call, EnterInterruptPlainMethod);
                    break;
                case BlockCompiler.Transfer.Iret:
                    FlagsAddress();
                    Int(thenCs << 16 | thenIp);
                    il.Emit(OpCodes.Call, IretPlainMethod);
                    break;
                case BlockCompiler.Transfer.Retf:
                    Int((int)operand);
                    Int(thenCs << 16 | thenIp);
                    il.Emit(OpCodes.Call, RetfPlainMethod);
                    break;
                default:
                    Int((int)next);
                    il.Emit(OpCodes.Call, CallFarPlainMethod);
                    break;
            }
            var slow = il.DefineLabel();
            il.Emit(OpCodes.Brfalse, slow);
            State before = _state.Copy();
            _state.Pending++;
            if (thenCs != _cs)
                EnterCodeSegment(thenCs);
            State after = _state.Copy();
            var merge = il.DefineLabel();
            il.Emit(OpCodes.Br, merge);
            il.MarkLabel(slow);
            _state = before;
            return (merge, after);
        }

        // JMP or CALL through a register or memory (m16 near, m16:16 far): the target read (a memory operand on the
        // plain path only) and checked against `then`, the one seen when the block was compiled; when it is that one,
        // the CALL's push as a near CALL rel16 does it, or a far CALL's pushes on the plain path, and on inline.
        // Otherwise (another target, an operand or a far CALL's stack not plain) the instruction's handler does all
        // of it, as the run loop runs it, and the block leaves with CS:IP where it put them.
        public void Indirect(BlockCompiler.Transfer kind, ref DecodedOp op, int slot, uint ip, uint next, (ushort Cs, ushort Ip) then)
        {
            bool far = kind is BlockCompiler.Transfer.JumpFarIndirect or BlockCompiler.Transfer.CallFarIndirect;
            var slow = il.DefineLabel();
            // The slow path, written at the end, finds InstructionCs as the fast path has it here: this CS's.
            SyncInstructionCs();
            ushort cs = _cs;
            State before = _state.Copy();
            if (op.Kind0 == OperandKind.Mem)
            {
                Ea(ref op);
                il.Emit(OpCodes.Stloc, _offset);
                PlainBytes(op.Seg, far ? 4 : 2, write: false, op.Address32, slow);
                il.Emit(OpCodes.Ldloc, _pointer);
                il.Emit(OpCodes.Unaligned, (byte)1);
                il.Emit(far ? OpCodes.Ldind_U4 : OpCodes.Ldind_U2);
            }
            else
            {
                Register(op.Reg0);
                Int(0xFFFF);
                il.Emit(OpCodes.And);
            }
            Int(far ? then.Cs << 16 | then.Ip : then.Ip);
            il.Emit(OpCodes.Bne_Un, slow);
            switch (kind)
            {
                case BlockCompiler.Transfer.CallIndirect:
                    Call(slot, ip, next, then.Ip, last: false);
                    break;
                case BlockCompiler.Transfer.CallFarIndirect:
                    il.Emit(OpCodes.Ldarg_0);
                    SlotOnly(Reg.SP);
                    Int((int)next);
                    il.Emit(OpCodes.Call, CallFarPlainMethod);
                    il.Emit(OpCodes.Brfalse, slow);
                    goto default;
                default:
                    _state.Pending++;
                    if (then.Cs != _cs)
                        EnterCodeSegment(then.Cs);
                    break;
            }

            nint handler = (nint)op.Execute, operands = (nint)Unsafe.AsPointer(ref op);
            _slowPaths.Add(() =>
            {
                // What the run loop does: the handler, over the registers as the instruction found them; then out.
                HandlerFrom(slow, before, cs, ip, next, handler, operands);
                Int(slot);
                il.Emit(OpCodes.Ret);
            });
        }

        // Back from a slow path that went on to the state `after` the fast path leaves: Retired as it was there (its
        // instructions pending), what it has loaded loaded again (the processor now holds it).
        private void BackTo(State after)
        {
            _state = after.Copy();
            AddRetired(-after.Pending);
            for (int r = 0; r < 8; r++)
            {
                if (_state.Loaded[r])
                    EmitLoad(r);
            }
            if (_state.FlagsLoaded)
                EmitFlagsLoad();
            ReloadMemoryState(_state);
        }

        // CS for the code that follows a far transfer: no attention raised (the block knows where it goes on). CS's
        // base, if a memory operand uses it, is loaded again.
        private void EnterCodeSegment(ushort cs)
        {
            il.Emit(OpCodes.Ldarg_0);
            Int(cs);
            il.Emit(OpCodes.Call, EnterCodeSegmentMethod);
            _state.SegLoaded[Seg.CS] = false;
        }

        // After an instruction with side effects whose IP is set: out when it is the block's last, or when anything
        // asks for it (see LeaveUnlessQuiet); otherwise on.
        private void StayUnlessDisturbed(int slot, bool last)
        {
            if (last)
            {
                Return(slot);
                return;
            }
            var stay = il.DefineLabel();
            var leave = il.DefineLabel();
            LeaveUnlessQuiet(leave);
            il.Emit(OpCodes.Br, stay);
            il.MarkLabel(leave);
            Return(slot);
            il.MarkLabel(stay);
        }

        // Any other instruction of step `i`: what the run loop does around a handler call. A REP string instruction may
        // retire many, so the budget is checked again for the rest of the block. A conditional branch (`taken`: its
        // target) goes on at its taken side's step when IP is that.
        public void Handler(int i, uint ip, uint next, nint handler, nint op, uint? taken)
        {
            WriteBack(forget: true);
            BeforeSideEffects(ip, next);
            CallHandler(handler, op);
            AfterCall(i, next, budget: true, taken);
        }

        // IN or OUT (one VM exit): as a handler call, but the operation called directly with the port a constant
        // when it is an immediate (else DX, from Regs), and no budget to check after (it retires one instruction).
        // What changed goes back to the processor (the exit's observers see it), but the registers, FLAGS and segment
        // bases stay loaded: a port access changes none of them but an IN's accumulator (an exit that wants anything
        // else, a reset or a debugger's stop, raises attention and the block leaves). The plain-access copy is taken
        // again: a write to port 92h or the 8042 moves the A20 gate, which the next memory access must see.
        public void Port(Template t, ref DecodedOp op, int i, uint ip, uint next)
        {
            bool input = t.Method == InPortMethod;
            bool immediate = (input ? op.Kind1 : op.Kind0) == OperandKind.Imm;
            WriteBack(forget: false);
            if (input)
                _state.Loaded[Reg.AX] = false;
            _state.PlainLoaded = false;
            BeforeSideEffects(ip, next);
            il.Emit(OpCodes.Ldarg_0);
            if (immediate)
                Int((int)op.Imm);
            else
            {
                RegsElement(Reg.DX);
                il.Emit(OpCodes.Ldind_U4);
                Int(0xFFFF);
                il.Emit(OpCodes.And);
            }
            Int(t.Size);
            il.Emit(OpCodes.Call, t.Method!);
            AfterCall(i, next, budget: false, taken: null);
        }

        // After step `i`'s call, which may have done anything the run loop looks for: out when attention was raised,
        // cached code dropped, IP is not the next instruction's (or, for a conditional branch, `taken`'s: then on at the
        // taken side's step), or (`budget`) the budget no longer holds the longest way out from here.
        private void AfterCall(int i, uint next, bool budget, uint? taken)
        {
            int slot = _steps[i].Slot;
            Retire(1);
            var stay = il.DefineLabel();
            var leave = il.DefineLabel();
            LeaveUnlessQuiet(leave);
            if (budget)
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Call, GetBudget);
                il.Emit(OpCodes.Ldc_I8, (long)_longest[i] - 1);
                il.Emit(OpCodes.Blt, leave);
            }
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, EipField);
            Int((int)next);
            il.Emit(OpCodes.Beq, stay);
            if (taken is uint target && _steps[i].Taken >= 0)
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, EipField);
                Int((int)target);
                il.Emit(OpCodes.Bne_Un, leave);
                GoTo(i, _steps[i].Taken, null);
            }
            il.MarkLabel(leave);
            Return(slot);
            il.MarkLabel(stay);
        }

        private void CallHandler(nint handler, nint op)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I8, (long)op);
            il.Emit(OpCodes.Conv_U);
            il.Emit(OpCodes.Ldc_I8, (long)handler);
            il.Emit(OpCodes.Conv_I);
            il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, typeof(void), [typeof(Processor), typeof(DecodedOp).MakeByRefType()], null);
        }

        // Jcc (condition = cc) or LOOP (condition = -1) of step `i`, to a constant target: when taken, on at the taken
        // side's step, or out.
        // A conditional branch whose `test` says whether it is taken: Jcc (LazyFlags.Condition of its Sub), or LOOP,
        // LOOPE/LOOPNE, JCXZ over CX (and the flags, and the Sub, where they take them).
        public void Branch(int i, uint target, MethodInfo test, int sub)
        {
            _state.Pending++;
            var notTaken = il.DefineLabel();
            if (test == ConditionMethod)
            {
                FlagsAddress();
                Int(sub);
            }
            foreach (ParameterInfo p in test == ConditionMethod ? [] : test.GetParameters())
            {
                switch (p.Name)
                {
                    case "cx" when p.ParameterType.IsByRef: SlotOnly(Reg.CX); break;
                    case "cx": Register(Reg.CX); break;
                    case "flags": FlagsAddress(); break;
                    case "sub": Int(sub & 3); break;
                }
            }
            il.Emit(OpCodes.Call, test);
            il.Emit(OpCodes.Brfalse, notTaken);
            GoTo(i, _steps[i].Taken, target);
            il.MarkLabel(notTaken);
        }

        // Before an instruction that may fault, exit, or read the count or IP: both as the run loop has them.
        private void BeforeSideEffects(uint ip, uint next)
        {
            Retire(0);
            SyncInstructionCs();
            il.Emit(OpCodes.Ldarg_0);
            Int((int)(ushort)ip);
            il.Emit(OpCodes.Call, SetInstructionIp);
            SetIp(next);
        }

        // InstructionCs made the CS of the instruction being written, if the IL has not made it that already.
        private void SyncInstructionCs()
        {
            if (_instructionCs == _cs)
                return;
            il.Emit(OpCodes.Ldarg_0);
            Int(_cs);
            il.Emit(OpCodes.Call, SetInstructionCs);
            _instructionCs = _cs;
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
            int n = _state.Pending + more;
            _state.Pending = 0;
            AddRetired(n);
        }

        private void AddRetired(int n)
        {
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

        // The operation's leading arguments, as it takes them: the processor or its model (a constant: a processor's never
        // changes), the address of the flags local.
        private void Context(MethodInfo operation)
        {
            ParameterInfo[] parameters = operation.GetParameters();
            if (parameters[0].ParameterType == typeof(Processor))
                il.Emit(OpCodes.Ldarg_0);
            else if (parameters[0].ParameterType == typeof(CpuModel))
                Int((int)_model);
            if (parameters.Any(p => p.ParameterType == typeof(LazyFlags).MakeByRefType()))
                FlagsAddress();
        }

        // The address of the flags local (loaded first if it is not); the operation may change it.
        private void FlagsAddress()
        {
            if (!_state.FlagsLoaded)
            {
                EmitFlagsLoad();
                _state.FlagsLoaded = true;
            }
            _flagsUsed = true;
            _state.FlagsDirty = true;
            il.Emit(OpCodes.Ldloca, _flags);
        }

        private void EmitFlagsLoad()
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, FlagStateField);
            il.Emit(OpCodes.Stloc, _flags);
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
            SlotOnly(W8Slot(reg, size));
            Int(reg);
        }

        private static int W8Slot(int reg, int size) => size == 1 ? reg & 3 : reg;

        private void SlotOnly(int slot)
        {
            Load(slot);
            _state.Dirty[slot] = true;
            il.Emit(OpCodes.Ldloca, _regs[slot]!);
        }

        private void Load(int slot)
        {
            if (_state.Loaded[slot])
                return;
            _regs[slot] ??= il.DeclareLocal(typeof(uint));
            EmitLoad(slot);
            _state.Loaded[slot] = true;
        }

        private void EmitLoad(int slot)
        {
            RegsElement(slot);
            il.Emit(OpCodes.Ldind_U4);
            il.Emit(OpCodes.Stloc, _regs[slot]!);
        }

        // The address of Regs[slot], from the reference to Regs[0] taken at the start.
        private void RegsElement(int slot)
        {
            il.Emit(OpCodes.Ldloc, _regsRef);
            if (slot != 0)
            {
                Int(slot * sizeof(uint));
                il.Emit(OpCodes.Add);
            }
        }

        // Writes the changed guest state back (it stays loaded and is then unchanged), and forgets all of it when
        // what follows may change it (a handler call), with the segment bases and the plain-access copy.
        private void WriteBack(bool forget)
        {
            EmitWriteBack();
            Array.Clear(_state.Dirty);
            _state.FlagsDirty = false;
            if (forget)
            {
                Array.Clear(_state.Loaded);
                _state.FlagsLoaded = false;
                Array.Clear(_state.SegLoaded);
                _state.PlainLoaded = false;
            }
        }

        // The stores of the changed guest state, for one way out: what the IL after it has loaded or changed stays.
        private void EmitWriteBack()
        {
            if (_state.FlagsDirty)
                EmitFlagsStore();
            for (int r = 0; r < 8; r++)
            {
                if (_state.Dirty[r])
                    EmitStore(r);
            }
        }

        private void EmitFlagsStore()
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldloc, _flags);
            il.Emit(OpCodes.Stfld, FlagStateField);
        }

        private void EmitStore(int slot)
        {
            RegsElement(slot);
            il.Emit(OpCodes.Ldloc, _regs[slot]!);
            il.Emit(OpCodes.Stind_I4);
        }

        // The local holding segment `seg`'s base, loaded if it is not.
        private LocalBuilder SegBase(int seg)
        {
            if (!_state.SegLoaded[seg])
            {
                EmitSegBase(seg);
                _state.SegLoaded[seg] = true;
            }
            return _segBases[seg]!;
        }

        private void EmitSegBase(int seg)
        {
            _segBases[seg] ??= il.DeclareLocal(typeof(uint));
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, SegBaseField);
            Int(seg);
            il.Emit(OpCodes.Ldelem_U4);
            il.Emit(OpCodes.Stloc, _segBases[seg]!);
        }

        private void PlainAccessCopy()
        {
            if (_state.PlainLoaded)
                return;
            EmitPlainAccessCopy();
            _state.PlainLoaded = true;
        }

        private void EmitPlainAccessCopy()
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, GetMemory);
            il.Emit(OpCodes.Call, GetPlain);
            il.Emit(OpCodes.Stloc, _plain);
        }

        // After a slow path (an exit may have moved a segment or the A20 gate): what `state` has loaded, loaded again.
        private void ReloadMemoryState(State state)
        {
            for (int seg = 0; seg < 6; seg++)
            {
                if (state.SegLoaded[seg])
                    EmitSegBase(seg);
            }
            if (state.PlainLoaded)
                EmitPlainAccessCopy();
        }
    }

    // ---- the operations compiled inline, by the handler the decoder chose ----

    // The operands each shape passes, after the processor and the flags: RegReg (reg0, reg1), RegImm (reg0, imm), Reg
    // (reg0), RegEa (reg0, ea: LEA, no access), Shift (operation, reg0, count), ShiftCl (operation, reg0, ECX), Setcc (condition, reg0: a byte register),
    // FlagBit (the bit: CLC, STC, CMC, CLD, STD, CLI), Accumulator (the AX slot, and DX's when the operation takes two:
    // CBW, CWDE, CWD, CDQ), Nothing (NOP: only counted); with the memory operand as register 0
    // in a local (m): RegMem (reg0, m), MemReg (m, reg1), MemImm (m, imm), Mem (m). Stack: PUSH and POP of reg0.
    // AccumulatorPair (one-operand MUL/IMUL/DIV/IDIV: AX's and DX's slots, the source), Product (IMUL reg, r/m[, imm]),
    // String (LODS..CMPS without REP: their operands by parameter name), Port (IN, OUT: the port).
    private enum Shape { RegReg, RegImm, RegMem, MemReg, MemImm, Reg, Mem, RegEa, Shift, ShiftCl, Setcc, FlagBit, Accumulator, Nothing, Stack, Jcc, Loop, AccumulatorPair, Product, String, Port, PushValue, Leave, RegSeg, MemSeg, SegLoad, PopSegment, FarPointer, Xlat, Enter }

    // Method: the operation over plain operands. Size: the operand width in bytes (which slot a byte register is in);
    // SourceSize: reg1's when it differs (MOVZX, MOVSX).
    // Access: what the operation does to its memory operand, if it has one; its Method is then the operation's
    // register form, which the fast path runs over a local holding the operand (as register 0 of its width), and
    // the slow path calls the instruction's handler (PUSH and POP, whose stack word the fast path moves itself, have
    // none).
    private sealed record Template(Shape Shape, MethodInfo? Method, int Size = 2, Access Access = Access.None, int SourceSize = 0);

    [Flags]
    private enum Access { None = 0, Read = 1, Write = 2, ReadWrite = Read | Write }

    // The segment of the template's memory operand, if it has one.
    private static int? MemorySegment(Template t, ref DecodedOp op) =>
        t.Access == Access.None ? null : OnStack(t.Shape) ? Seg.SS : op.Seg;

    // The shapes whose memory operand is the stack word at SS:SP (LEAVE's at SS:BP), moved by the fast path itself.
    private static bool OnStack(Shape shape) => shape is Shape.Stack or Shape.PushValue or Shape.Leave or Shape.PopSegment or Shape.Enter;

    private static readonly MethodInfo LoopCxTakenMethod = Operation(nameof(Specialized.LoopCxTaken));
    private static readonly MethodInfo InPortMethod = typeof(InputOutput).GetMethod(nameof(InputOutput.InPort), BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly MethodInfo OutPortMethod = typeof(InputOutput).GetMethod(nameof(InputOutput.OutPort), BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly MethodInfo PushW16Method = Operation(nameof(Specialized.PushW16));
    private static readonly MethodInfo PushReturnFar16Method = Operation(nameof(Specialized.PushReturnFar16));
    private static readonly MethodInfo RetR16Method = Operation(nameof(Specialized.RetR16));
    private static readonly MethodInfo RetfR16Method = Operation(nameof(Specialized.RetfR16));
    private static readonly MethodInfo IretR16Method = Operation(nameof(Specialized.IretR16));

    private static readonly Dictionary<nint, Template> Templates = BuildTemplates();

    // MUL, IMUL, DIV and IDIV with one operand, whose handler takes every form: their operation, by handler.
    private static readonly Dictionary<nint, MethodInfo> AccumulatorOperations = new()
    {
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&MulDiv.Mul] = MulDivOperation(nameof(MulDiv.MulAcc)),
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&MulDiv.Imul] = MulDivOperation(nameof(MulDiv.ImulAcc)),
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&MulDiv.Div] = MulDivOperation(nameof(MulDiv.DivAcc)),
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&MulDiv.Idiv] = MulDivOperation(nameof(MulDiv.IdivAcc)),
    };

    private static MethodInfo MulDivOperation(string name) => typeof(MulDiv).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;

    // LODS, STOS, MOVS, SCAS and CMPS: their one-element operation on plain memory, and what it does to ES:DI.
    private sealed record StringOperation(MethodInfo Operation, Access Destination)
    {
        public StringOperation(string name, Access destination)
            : this(typeof(StringOps).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!, destination)
        {
        }
    }

    private static readonly Dictionary<nint, StringOperation> StringOperations = new()
    {
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&StringOps.Lods] = new(nameof(StringOps.LodsPlain), Access.None),
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&StringOps.Stos] = new(nameof(StringOps.StosPlain), Access.Write),
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&StringOps.Movs] = new(nameof(StringOps.MovsPlain), Access.Write),
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&StringOps.Scas] = new(nameof(StringOps.ScasPlain), Access.Read),
        [(nint)(delegate*<Processor, ref DecodedOp, void>)&StringOps.Cmps] = new(nameof(StringOps.CmpsPlain), Access.Read),
    };

    // The template an instruction is compiled with, or null (its handler is called).
    private static Template? TemplateOf(ref DecodedOp op, CpuModel model)
    {
        // (TryGetValue, not GetValueOrDefault: the extension over a dictionary keyed by nint is JIT-compiled at start.)
        if (Templates.TryGetValue((nint)op.Execute, out Template? t))
            return t;
        // IN and OUT of every width, with an immediate port or DX.
        if (op.Size is 1 or 2 or 4 && (nint)op.Execute == (nint)(delegate*<Processor, ref DecodedOp, void>)&InputOutput.In)
            return new Template(Shape.Port, InPortMethod, op.Size);
        if (op.Size is 1 or 2 or 4 && (nint)op.Execute == (nint)(delegate*<Processor, ref DecodedOp, void>)&InputOutput.Out)
            return new Template(Shape.Port, OutPortMethod, op.Size);
        if (AccumulatorOperations.TryGetValue((nint)op.Execute, out MethodInfo? operation) && op.Kind1 == OperandKind.None
            && op.Size is 1 or 2 or 4 && (IsRegister(op.Kind0) || op.Kind0 == OperandKind.Mem))
            return new Template(Shape.AccumulatorPair, operation, op.Size, op.Kind0 == OperandKind.Mem ? Access.Read : Access.None);
        // IMUL reg, r/m [, imm]: 16 or 32 bits.
        if ((nint)op.Execute == (nint)(delegate*<Processor, ref DecodedOp, void>)&MulDiv.Imul && op.Size is 2 or 4
            && op.Kind0 is OperandKind.Reg16 or OperandKind.Reg32 && (IsRegister(op.Kind1) || op.Kind1 == OperandKind.Mem)
            && op.Kind2 is OperandKind.None or OperandKind.Imm)
            return new Template(Shape.Product, MulDivOperation(nameof(MulDiv.ImulInto)), op.Size, op.Kind1 == OperandKind.Mem ? Access.Read : Access.None);
        if (MemoryForm(ref op) is { } memory)
            return memory;
        if (SegmentLoad(ref op, model) is { } load)
            return load;
        if ((nint)op.Execute == (nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Xlat && !op.Address32)
            return new Template(Shape.Xlat, null, 1, Access.Read);
        // LOOPE and LOOPNE with CX and a 16-bit target.
        if ((nint)op.Execute == (nint)(delegate*<Processor, ref DecodedOp, void>)&Control.LoopCount && op.Size == 2 && op.Sub is 1 or 2)
            return new Template(Shape.Loop, Operation(nameof(Specialized.LoopCxWhileTaken)));
        // A string instruction without REP and with 16-bit addresses (the REP forms run in bulk in their handler).
        if (StringOperations.TryGetValue((nint)op.Execute, out StringOperation? stringOperation)
            && (op.Prefixes & (PrefixFlags.Rep | PrefixFlags.Repne)) == 0 && !op.Address32 && op.Size is 1 or 2 or 4)
            return new Template(Shape.String, stringOperation.Operation, op.Size, Access.Read | stringOperation.Destination);
        return null;
    }

    // Instructions whose memory form keeps the generic handler in the interpreter, compiled as their register form
    // (Specialized) over the memory operand in a local: MOVZX/MOVSX r, m; SETcc m8; a shift or rotate of memory by a
    // constant 1-31 (the count every model takes alike) or by CL (not SAL: SETMO on the 8086); XCHG r, m either way.
    private static Template? MemoryForm(ref DecodedOp op)
    {
        nint handler = (nint)op.Execute;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.MovExtend && op.Kind1 == OperandKind.Mem
            && op.Kind0 is OperandKind.Reg16 or OperandKind.Reg32 && op.MemSize is 1 or 2 && op.MemSize < op.Size)
        {
            Type destination = WidthType(op.Size), source = WidthType(op.MemSize);
            Type extension = op.Sub == 1 ? typeof(Specialized.SignExtend) : typeof(Specialized.ZeroExtend);
            return new Template(Shape.RegMem, Operation(nameof(Specialized.MovExtendRR), destination, source, extension), op.Size, Access.Read, op.MemSize);
        }
        if (op.Size is not (1 or 2 or 4))
            return null;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&BitOps.SetCondition && op.Kind0 == OperandKind.Mem)
            return new Template(Shape.Setcc, Operation(nameof(Specialized.SetccR)), 1, Access.Write);
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Shift.Group && op.Kind0 == OperandKind.Mem && op.Sub != Shift.Sal)
        {
            if (op.Kind1 == OperandKind.Imm && (op.Imm & 0xFF) is >= 1 and <= 31)
                return new Template(Shape.Shift, Operation(nameof(Specialized.ShiftRI), WidthType(op.Size)), op.Size, Access.ReadWrite);
            if (op.Kind1 == OperandKind.Reg8 && op.Reg1 == Reg.CX)
                return new Template(Shape.ShiftCl, Operation(nameof(Specialized.ShiftRC), WidthType(op.Size)), op.Size, Access.ReadWrite);
        }
        // 16 bits: PUSH imm and sreg, PUSHF, LEAVE, ENTER n, 0 on the plain stack; MOV r16 or m16, sreg.
        if (op.Size == 2 && handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Stack.Push && op.Kind0 is OperandKind.Imm or OperandKind.Seg)
            return new Template(Shape.PushValue, null, Access: Access.Write);
        if (op.Size == 2 && handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Stack.Pushf)
            return new Template(Shape.PushValue, null, Access: Access.Write);
        if (op.Size == 2 && handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Stack.Leave)
            return new Template(Shape.Leave, null, Access: Access.Read);
        if (op.Size == 2 && handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Stack.Enter && (op.Imm2 & 31) == 0)
            return new Template(Shape.Enter, null, Access: Access.Write);
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Mov && op.Kind1 == OperandKind.Seg)
        {
            MethodInfo move = Operation(nameof(Specialized.MovRI), typeof(W16));
            if (op.Kind0 == OperandKind.Reg16)
                return new Template(Shape.RegSeg, move);
            if (op.Kind0 == OperandKind.Mem)
                return new Template(Shape.MemSeg, move, 2, Access.Write);
        }
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Xchg)
        {
            MethodInfo exchange = Operation(nameof(Specialized.XchgRR), WidthType(op.Size));
            if (IsRegister(op.Kind0) && op.Kind1 == OperandKind.Mem)
                return new Template(Shape.RegMem, exchange, op.Size, Access.ReadWrite);
            if (op.Kind0 == OperandKind.Mem && IsRegister(op.Kind1))
                return new Template(Shape.MemReg, exchange, op.Size, Access.ReadWrite);
        }
        return null;
    }

    // MOV DS/ES/FS/GS, r16 or m16 and POP DS/ES/FS/GS (not on the 8086, where every segment load opens a one-instruction
    // interrupt shadow; never SS, whose load always does: Processor.SegmentLoaded), LES and LDS r16, m16:16 (no shadow
    // on any model): the selector and base stored as Processor.LoadSegment stores them, the block's copy of the base
    // then loaded again where it is next used.
    private static Template? SegmentLoad(ref DecodedOp op, CpuModel model)
    {
        nint handler = (nint)op.Execute;
        bool shadowless = model != CpuModel.I8086 && op.Reg0 is Seg.ES or Seg.DS or Seg.FS or Seg.GS;
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Mov && op.Kind0 == OperandKind.Seg && shadowless)
        {
            if (op.Kind1 == OperandKind.Reg16)
                return new Template(Shape.SegLoad, LoadSegmentMethod);
            if (op.Kind1 == OperandKind.Mem)
                return new Template(Shape.SegLoad, LoadSegmentMethod, 2, Access.Read);
        }
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&Stack.Pop && op.Kind0 == OperandKind.Seg && op.Size == 2 && shadowless)
            return new Template(Shape.PopSegment, LoadSegmentMethod, 2, Access.Read);
        if (handler == (nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.LoadFarPointer && op.Size == 2
            && op.Kind0 == OperandKind.Reg16 && op.Sub is Seg.ES or Seg.DS)
            return new Template(Shape.FarPointer, LoadSegmentMethod, 4, Access.Read);
        return null;
    }

    private static Type WidthType(int size) => size switch { 1 => typeof(W8), 2 => typeof(W16), _ => typeof(W32) };

    private static bool IsRegister(OperandKind k) => k is OperandKind.Reg8 or OperandKind.Reg16 or OperandKind.Reg32;

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
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.PushReg16] = new(Shape.Stack, null, Access: Access.Write);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.PopReg16] = new(Shape.Stack, null, Access: Access.Read);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Jcc16] = new(Shape.Jcc, ConditionMethod);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LoopCx16] = new(Shape.Loop, LoopCxTakenMethod);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.Jcxz16] = new(Shape.Loop, Operation(nameof(Specialized.JcxzTaken)));
        AddExtend<W16, W8>(map);
        AddExtend<W32, W8>(map);
        AddExtend<W32, W16>(map);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.SetccReg] = new(Shape.Setcc, Operation(nameof(Specialized.SetccR)), 1);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Cbw] = new(Shape.Accumulator, Operation(nameof(Specialized.CbwR)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Cwde] = new(Shape.Accumulator, Operation(nameof(Specialized.CwdeR)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Cwd] = new(Shape.Accumulator, Operation(nameof(Specialized.CwdR)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Cdq] = new(Shape.Accumulator, Operation(nameof(Specialized.CdqR)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&SystemOps.ClearFlag] = new(Shape.FlagBit, Operation(nameof(Specialized.ClearFlagF)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&SystemOps.SetFlag] = new(Shape.FlagBit, Operation(nameof(Specialized.SetFlagF)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&SystemOps.Cmc] = new(Shape.FlagBit, Operation(nameof(Specialized.ToggleFlagF)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&SystemOps.Nop] = new(Shape.Nothing, null);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Lahf] = new(Shape.Accumulator, Operation(nameof(Specialized.LahfR)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&DataMovement.Sahf] = new(Shape.Accumulator, Operation(nameof(Specialized.SahfR)));
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&InputOutput.OutImmAl] = new(Shape.Port, OutPortMethod, 1);
        return map;
    }

    private static void AddExtend<WD, WS>(Dictionary<nint, Template> map) where WD : struct, IWidth where WS : struct, IWidth
    {
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovExtendRegReg<WD, WS, Specialized.ZeroExtend>] =
            new(Shape.RegReg, Operation(nameof(Specialized.MovExtendRR), typeof(WD), typeof(WS), typeof(Specialized.ZeroExtend)), WD.Size, SourceSize: WS.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovExtendRegReg<WD, WS, Specialized.SignExtend>] =
            new(Shape.RegReg, Operation(nameof(Specialized.MovExtendRR), typeof(WD), typeof(WS), typeof(Specialized.SignExtend)), WD.Size, SourceSize: WS.Size);
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
        MethodInfo rr = Operation(nameof(Specialized.AluRR), types), ri = Operation(nameof(Specialized.AluRI), types);
        Access destination = TOp.WritesResult ? Access.ReadWrite : Access.Read;
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegReg<TOp, W>] = new(Shape.RegReg, rr, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegImm<TOp, W>] = new(Shape.RegImm, ri, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluRegMem<TOp, W>] = new(Shape.RegMem, rr, W.Size, Access.Read);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluMemReg<TOp, W>] = new(Shape.MemReg, rr, W.Size, destination);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.AluMemImm<TOp, W>] = new(Shape.MemImm, ri, W.Size, destination);
    }

    private static void AddWidth<W>(Dictionary<nint, Template> map) where W : struct, IWidth
    {
        Type[] types = [typeof(W)];
        MethodInfo rr = Operation(nameof(Specialized.MovRR), types), ri = Operation(nameof(Specialized.MovRI), types);
        MethodInfo inc = Operation(nameof(Specialized.IncR), types), dec = Operation(nameof(Specialized.DecR), types);
        MethodInfo not = Operation(nameof(Specialized.NotR), types), neg = Operation(nameof(Specialized.NegR), types);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegReg<W>] = new(Shape.RegReg, rr, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegImm<W>] = new(Shape.RegImm, ri, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovRegMem<W>] = new(Shape.RegMem, rr, W.Size, Access.Read);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovMemReg<W>] = new(Shape.MemReg, rr, W.Size, Access.Write);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.MovMemImm<W>] = new(Shape.MemImm, ri, W.Size, Access.Write);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.IncReg<W>] = new(Shape.Reg, inc, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.DecReg<W>] = new(Shape.Reg, dec, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.IncMem<W>] = new(Shape.Mem, inc, W.Size, Access.ReadWrite);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.DecMem<W>] = new(Shape.Mem, dec, W.Size, Access.ReadWrite);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NotReg<W>] = new(Shape.Reg, not, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NotMem<W>] = new(Shape.Mem, not, W.Size, Access.ReadWrite);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NegReg<W>] = new(Shape.Reg, neg, W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.NegMem<W>] = new(Shape.Mem, neg, W.Size, Access.ReadWrite);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.XchgRegReg<W>] = new(Shape.RegReg, Operation(nameof(Specialized.XchgRR), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.ShiftRegImm<W>] = new(Shape.Shift, Operation(nameof(Specialized.ShiftRI), types), W.Size);
        map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.ShiftRegCl<W>] = new(Shape.ShiftCl, Operation(nameof(Specialized.ShiftRC), types), W.Size);
        if (W.Size > 1)
            map[(nint)(delegate*<Processor, ref DecodedOp, void>)&Specialized.LeaReg<W>] = new(Shape.RegEa, Operation(nameof(Specialized.LeaR), types), W.Size);
    }

    private static MethodInfo Operation(string name, params Type[] types)
    {
        MethodInfo method = typeof(Specialized).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;
        return types.Length == 0 ? method : method.MakeGenericMethod(types);
    }
}
