using System.Runtime.CompilerServices;
using Emu.Cpu.Decoding;
using Emu.Memory;

namespace Emu.Cpu;

/// <summary>
/// A real-mode x86 processor: register file, the fetch-decode-execute loop over a cache of decoded
/// instructions, and interrupt and exception delivery through the IVT. Instruction semantics live
/// in <c>Execution/</c>, one file per family. The CPU knows nothing of devices: port and MMIO
/// accesses and hypercalls are VM exits handed to an <see cref="Cpu.ExitHandler"/>.
/// </summary>
public sealed unsafe partial class Processor
{
    /// <summary>EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, then a slot that is always zero (see <see cref="Reg.None"/>).</summary>
    // Arrays, not inline arrays: SnapshotFile saves the processor's fields by reflection and sees only the first
    // element of an inline array (a resumed run then lost its registers).
    internal readonly uint[] Regs = new uint[9];
    internal readonly ushort[] Sregs = new ushort[6];
    internal readonly uint[] SegBase = new uint[6];
    internal uint Eip;
    // CS and its base again, as plain fields: the run loop reads them for every instruction.
    private ushort _codeSelector;
    private uint _codeBase;

    private readonly DecodeCache _cache;
    // Set whenever something may need the run loop's attention before the next instruction:
    // a pending interrupt, TF, an interrupt shadow, HLT. Keeps the common path to one test.
    private bool _attention;
    private bool _interruptLine;
    private bool _shadow;
    private bool _trapPending;
    private bool _halted;
    private bool _stopRequested;
    private StopReason _stopReason = StopReason.StopRequested;

    public Processor(GuestMemory memory, CpuModel model)
    {
        Memory = memory;
        Model = model;
        // What WriteFlags lets through and what it forces on (the model's hard-wired bits, bit 1 always set).
        _flagsModelMask = model >= CpuModel.I386 ? 0x7FD5u : 0x0FD5u;
        _flagsFixedOnes = CpuFlags.Reserved1 | (model <= CpuModel.I186 ? 0xF000u : 0);
        _cache = new DecodeCache(this);
        memory.CodeWriteObserver = _cache;
        memory.MmioHandler = new MmioExitAdapter(this);
        Reset();
    }

    public GuestMemory Memory { get; }
    public CpuModel Model { get; }
    public ExitHandler? ExitHandler { get; set; }
    public IInterruptAcknowledge? InterruptController { get; set; }

    /// <summary>Instructions retired since reset; every iteration of a REP string instruction counts as one.</summary>
    public long Retired { get; internal set; }

    /// <summary>Why the last <see cref="Run"/> stopped with <see cref="StopReason.InvalidState"/> or <see cref="StopReason.Shutdown"/>.</summary>
    public CpuStop? Stop { get; private set; }

    /// <summary><see cref="Stop"/> in words.</summary>
    public string? StopMessage => Stop?.ToString();

    /// <summary>CS and IP of the instruction executing now (or last executed).</summary>
    public ushort InstructionCs { get; private set; }
    public ushort InstructionIp { get; private set; }

    /// <summary>The real-mode interrupt table (LIDT can move it on 286 and 386).</summary>
    public uint IdtBase { get; internal set; }
    public ushort IdtLimit { get; internal set; } = 0x3FF;

    /// <summary>False: decode every instruction to its generic, eager-flag handler (tests compare the
    /// two paths). Takes effect for instructions decoded after it changes.</summary>
    internal bool UseSpecializedHandlers { get; set; } = true;

    /// <summary>False: every instruction is found on its own through the successor link or the address map,
    /// as before the block engine (tests compare the two). Takes effect for instructions decoded after it changes.</summary>
    internal bool UseBlocks
    {
        get => _cache.LinksBlocks;
        set => _cache.LinksBlocks = value;
    }

    // ---- architectural state, for the hypervisor, the debugger views and tests ----

    public uint Eax { get => Regs[Reg.AX]; set => Regs[Reg.AX] = value; }
    public uint Ecx { get => Regs[Reg.CX]; set => Regs[Reg.CX] = value; }
    public uint Edx { get => Regs[Reg.DX]; set => Regs[Reg.DX] = value; }
    public uint Ebx { get => Regs[Reg.BX]; set => Regs[Reg.BX] = value; }
    public uint Esp { get => Regs[Reg.SP]; set => Regs[Reg.SP] = value; }
    public uint Ebp { get => Regs[Reg.BP]; set => Regs[Reg.BP] = value; }
    public uint Esi { get => Regs[Reg.SI]; set => Regs[Reg.SI] = value; }
    public uint Edi { get => Regs[Reg.DI]; set => Regs[Reg.DI] = value; }

    public ushort AX { get => (ushort)Regs[Reg.AX]; set => SetReg16(Reg.AX, value); }
    public ushort CX { get => (ushort)Regs[Reg.CX]; set => SetReg16(Reg.CX, value); }
    public ushort DX { get => (ushort)Regs[Reg.DX]; set => SetReg16(Reg.DX, value); }
    public ushort BX { get => (ushort)Regs[Reg.BX]; set => SetReg16(Reg.BX, value); }
    public ushort SP { get => (ushort)Regs[Reg.SP]; set => SetReg16(Reg.SP, value); }
    public ushort BP { get => (ushort)Regs[Reg.BP]; set => SetReg16(Reg.BP, value); }
    public ushort SI { get => (ushort)Regs[Reg.SI]; set => SetReg16(Reg.SI, value); }
    public ushort DI { get => (ushort)Regs[Reg.DI]; set => SetReg16(Reg.DI, value); }
    public byte AL { get => (byte)Regs[Reg.AX]; set => SetReg8(0, value); }
    public byte AH { get => (byte)(Regs[Reg.AX] >> 8); set => SetReg8(4, value); }
    public byte BL { get => (byte)Regs[Reg.BX]; set => SetReg8(3, value); }
    public byte CL { get => (byte)Regs[Reg.CX]; set => SetReg8(1, value); }
    public byte DL { get => (byte)Regs[Reg.DX]; set => SetReg8(2, value); }

    public ushort CS { get => Sregs[Seg.CS]; set => LoadSegment(Seg.CS, value); }
    public ushort DS { get => Sregs[Seg.DS]; set => LoadSegment(Seg.DS, value); }
    public ushort ES { get => Sregs[Seg.ES]; set => LoadSegment(Seg.ES, value); }
    public ushort SS { get => Sregs[Seg.SS]; set => LoadSegment(Seg.SS, value); }
    public ushort FS { get => Sregs[Seg.FS]; set => LoadSegment(Seg.FS, value); }
    public ushort GS { get => Sregs[Seg.GS]; set => LoadSegment(Seg.GS, value); }

    public ushort IP { get => (ushort)Eip; set => Eip = value; }

    /// <summary>FLAGS as the guest would read them with PUSHF (model-specific fixed bits applied).</summary>
    public uint Flags
    {
        get => FlagsValue;
        set => WriteFlags(value, 0xFFFF_FFFF);
    }

    public bool Halted => _halted;

    /// <summary>The INTR pin as it stands (the 8259 pair's output, or a posted vector waiting).</summary>
    public bool InterruptRequested => _interruptLine;

    public uint GetRegister32(int reg) => Regs[reg];

    /// <summary>Puts the CPU in its reset state: CS:IP = FFFF:0000, flags cleared, A20 untouched.</summary>
    public void Reset()
    {
        Array.Clear(Regs);
        for (int s = 0; s < 6; s++)
            LoadSegment(s, 0);
        LoadSegment(Seg.CS, 0xFFFF);
        Eip = 0;
        WriteFlags(0, 0xFFFF_FFFF);
        IdtBase = 0;
        IdtLimit = 0x3FF;
        _halted = false;
        _shadow = false;
        _trapPending = false;
        _attention = true;
        Retired = 0;
    }

    /// <summary>The reset line of a running machine (a reboot): the registers as <see cref="Reset"/> leaves them, while
    /// the retired-instruction count, which is the machine's clock, goes on.</summary>
    public void ResetKeepingClock()
    {
        long retired = Retired;
        Reset();
        Retired = retired;
    }

    /// <summary>Drops every cached decoded instruction (for loaders that replace memory wholesale).</summary>
    public void FlushDecodeCache() => _cache.Flush();

    // ---- register access ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint GetReg8(int r) => r < 4 ? Regs[r] & 0xFF : (Regs[r - 4] >> 8) & 0xFF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetReg8(int r, uint v)
    {
        if (r < 4)
            Regs[r] = (Regs[r] & 0xFFFF_FF00) | (v & 0xFF);
        else
            Regs[r - 4] = (Regs[r - 4] & 0xFFFF_00FF) | ((v & 0xFF) << 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetReg16(int r, uint v) => Regs[r] = (Regs[r] & 0xFFFF_0000) | (v & 0xFFFF);

    /// <summary>Reads a general register of the given width (1: AL..BH numbering, 2, 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint GetReg(int r, int size) => size switch
    {
        1 => GetReg8(r),
        2 => Regs[r] & 0xFFFF,
        _ => Regs[r],
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetReg(int r, int size, uint v)
    {
        switch (size)
        {
            case 1: SetReg8(r, v); break;
            case 2: SetReg16(r, v); break;
            default: Regs[r] = v; break;
        }
    }

    /// <summary>Real-mode segment load: the base is the selector times 16. MOV/POP SS open an interrupt shadow.</summary>
    internal void LoadSegment(int seg, uint selector)
    {
        if (seg == Seg.CS && _codeSelector != (ushort)selector)
        {
            EnterCodeSegment(selector);
            // A block runs on while IP advances as it expects; a new CS (a far jump to the next IP, the
            // 8086's POP CS) moves the code under it all the same, so the run loop must look again.
            _attention = true;
            return;
        }
        Sregs[seg] = (ushort)selector;
        SegBase[seg] = (uint)(ushort)selector << 4;
    }

    /// <summary>Loads CS without asking the run loop to look again: for compiled blocks, which go on in the code
    /// they were compiled with only after checking that CS:IP is where it was (and otherwise leave, after which the
    /// run loop finds CS:IP afresh anyway).</summary>
    internal void EnterCodeSegment(uint selector)
    {
        Sregs[Seg.CS] = (ushort)selector;
        SegBase[Seg.CS] = (uint)(ushort)selector << 4;
        _codeSelector = (ushort)selector;
        _codeBase = (uint)(ushort)selector << 4;
    }

    /// <summary>After MOV/POP to a segment register: SS opens a one-instruction interrupt shadow (on
    /// the 8086 any segment register does), so SS:SP can be loaded as a pair.</summary>
    internal void SegmentLoaded(int seg)
    {
        if (seg == Seg.SS || Model == CpuModel.I8086)
            OpenInterruptShadow();
    }

    internal void OpenInterruptShadow()
    {
        _shadow = true;
        _attention = true;
    }

    // ---- flags ----

    /// <summary>FLAGS and the pending lazy record (see <see cref="LazyFlags"/>); a field, so that the operations can
    /// take it by reference, as compiled blocks pass their local copy.</summary>
    internal LazyFlags FlagState;

    /// <summary>FLAGS, all bits valid. Assigning it replaces every bit (a pending record is dropped).</summary>
    internal uint FlagsValue
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => FlagState.Value;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => FlagState.Value = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool GetFlag(uint flag) => (FlagsValue & flag) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetFlag(uint flag, bool on) => FlagsValue = on ? FlagsValue | flag : FlagsValue & ~flag;

    /// <summary>
    /// Writes the bits of FLAGS selected by <paramref name="writable"/> and applies what the model
    /// hard-wires: on 8086/186 bits 12-15 read as 1; on the 286 in real mode they read as 0; on the
    /// 386 IOPL and NT are writable and bit 15 is 0. Bit 1 is always 1, bits 3 and 5 always 0.
    /// </summary>
    private readonly uint _flagsModelMask;
    private readonly uint _flagsFixedOnes;

    internal void WriteFlags(uint value, uint writable)
    {
        uint f = WrittenFlags(ref FlagState, value, writable);
        FlagsValue = f;
        if (NeedsLook(f))
            _attention = true;
    }

    // FLAGS (now `state`) after a write of `value` to the bits `writable` selects.
    private uint WrittenFlags(ref LazyFlags state, uint value, uint writable)
    {
        uint modelMask = _flagsModelMask;
        uint mask = writable & modelMask;
        // A pending lazy record (LazyFlags.cs) only leaves the status flags stale: when the value replaces all six
        // (IRET, POPF), they need not be computed first.
        uint kept = (mask & CpuFlags.Status) == CpuFlags.Status ? state.ControlFlags() : state.Value;
        uint f = (kept & ~mask) | (value & mask);
        f &= modelMask;
        return f | _flagsFixedOnes;
    }

    // TF set, or IF set while a request waits, needs the run loop's look before the next instruction. Nothing else
    // does: a trap already pending or a shadow raised _attention themselves, and a request that comes later raises it
    // when it comes (SetInterruptLine). So an IRET or POPF that leaves TF clear and no request taken does not end the
    // block it is in.
    private bool NeedsLook(uint flags) => (flags & TfFlag) != 0 || (_interruptLine && (flags & IfFlag) != 0);

    // ---- memory access through segments ----

    /// <summary>Effective address of the instruction's memory operand (16- or 32-bit offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Ea(ref DecodedOp op)
    {
        uint ea = Regs[op.Base] + (Regs[op.Index] << op.Scale) + op.Disp;
        return op.Address32 ? ea : ea & 0xFFFF;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadMem8(int seg, uint offset)
    {
        if (offset > 0xFFFF)
            throw SegmentLimitFault(seg);
        return Memory.Read8(SegBase[seg] + offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadMem16(int seg, uint offset)
    {
        if (offset >= 0xFFFF)
            return ReadMemEdge(seg, offset, 2);
        return Memory.Read16(SegBase[seg] + offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadMem32(int seg, uint offset)
    {
        if (offset >= 0xFFFD)
            return ReadMemEdge(seg, offset, 4);
        return Memory.Read32(SegBase[seg] + offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadMem(int seg, uint offset, int size) => size switch
    {
        1 => ReadMem8(seg, offset),
        2 => ReadMem16(seg, offset),
        _ => ReadMem32(seg, offset),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteMem8(int seg, uint offset, uint value)
    {
        if (offset > 0xFFFF)
            throw SegmentLimitFault(seg);
        Memory.Write8(SegBase[seg] + offset, (byte)value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteMem16(int seg, uint offset, uint value)
    {
        if (offset >= 0xFFFF)
            WriteMemEdge(seg, offset, 2, value);
        else
            Memory.Write16(SegBase[seg] + offset, (ushort)value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteMem32(int seg, uint offset, uint value)
    {
        if (offset >= 0xFFFD)
            WriteMemEdge(seg, offset, 4, value);
        else
            Memory.Write32(SegBase[seg] + offset, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteMem(int seg, uint offset, int size, uint value)
    {
        switch (size)
        {
            case 1: WriteMem8(seg, offset, value); break;
            case 2: WriteMem16(seg, offset, value); break;
            default: WriteMem32(seg, offset, value); break;
        }
    }

    // An access that runs past offset FFFF: the 8086 and 186 wrap inside the segment byte by byte;
    // the 286 and 386 check the 64 KiB real-mode limit and fault (see SegmentLimitFault).
    private uint ReadMemEdge(int seg, uint offset, int size)
    {
        if (Model >= CpuModel.I286 || offset > 0xFFFF)
            throw SegmentLimitFault(seg);
        uint value = 0;
        for (int i = 0; i < size; i++)
            value |= (uint)Memory.Read8(SegBase[seg] + ((offset + (uint)i) & 0xFFFF)) << (8 * i);
        return value;
    }

    private void WriteMemEdge(int seg, uint offset, int size, uint value)
    {
        if (Model >= CpuModel.I286 || offset > 0xFFFF)
            throw SegmentLimitFault(seg);
        for (int i = 0; i < size; i++)
            Memory.Write8(SegBase[seg] + ((offset + (uint)i) & 0xFFFF), (byte)(value >> (8 * i)));
    }

    /// <summary>The real-mode segment overrun. The 286 has one exception for it whatever the segment,
    /// interrupt 13 (80286 PRM, real-address-mode exceptions: "word memory reference with offset =
    /// FFFFH"); the 386 raises #SS (12) for a stack-segment reference and #GP (13) for the others.</summary>
    private CpuFault SegmentLimitFault(int seg) =>
        CpuFault.For(seg == Seg.SS && Model >= CpuModel.I386 ? (byte)0x0C : (byte)0x0D);

    /// <summary>
    /// The offset of part of a memory operand made of several (a far pointer's selector, BOUND's upper
    /// bound, a descriptor-table register's base), <paramref name="part"/> bytes into the
    /// <paramref name="size"/>-byte operand at <paramref name="ea"/>. The 8086 to 286 access each word on
    /// its own, its offset wrapping at 64 KiB with 16-bit addressing; the 386 checks the operand as a
    /// whole, so one that runs past offset FFFF faults before any part is read (80386 PRM, real-address-mode
    /// exceptions: "if any part of the operand would lie outside of the effective address space from 0
    /// to 0FFFFH"). Call it before reading the first part.
    /// </summary>
    internal uint OperandPart(ref DecodedOp op, uint ea, uint part, int size)
    {
        if (Model >= CpuModel.I386 && ea + (uint)size - 1 > 0xFFFF)
            throw SegmentLimitFault(op.Seg);
        return op.Address32 ? ea + part : (ea + part) & 0xFFFF;
    }

    // ---- operands of a decoded instruction ----

    /// <summary>Reads operand <paramref name="kind"/>/<paramref name="reg"/>; a memory operand at offset <paramref name="ea"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadOperand(ref DecodedOp op, OperandKind kind, byte reg, uint ea) => kind switch
    {
        OperandKind.Reg16 => Regs[reg] & 0xFFFF,
        OperandKind.Reg8 => GetReg8(reg),
        OperandKind.Reg32 => Regs[reg],
        OperandKind.Mem => ReadMem(op.Seg, ea, op.MemSize),
        OperandKind.Imm => op.Imm,
        OperandKind.Seg => Sregs[reg],
        _ => 0,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOperand(ref DecodedOp op, OperandKind kind, byte reg, uint ea, uint value)
    {
        switch (kind)
        {
            case OperandKind.Reg16: SetReg16(reg, value); break;
            case OperandKind.Reg8: SetReg8(reg, value); break;
            case OperandKind.Reg32: Regs[reg] = value; break;
            case OperandKind.Mem: WriteMem(op.Seg, ea, op.MemSize, value); break;
            case OperandKind.Seg: LoadSegment(reg, value); break;
        }
    }

    /// <summary>The offset of the memory operand if operand 0 or 1 is memory, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint EaIfMem(ref DecodedOp op) =>
        op.Kind0 == OperandKind.Mem || op.Kind1 == OperandKind.Mem || op.Kind2 == OperandKind.Mem ? Ea(ref op) : 0;

    // ---- stack (real mode: SS:SP, 16-bit stack) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Push16(uint value)
    {
        uint sp = (Regs[Reg.SP] - 2) & 0xFFFF;
        WriteMem16(Seg.SS, sp, value);
        SetReg16(Reg.SP, sp);
    }

    internal void Push32(uint value)
    {
        uint sp = (Regs[Reg.SP] - 4) & 0xFFFF;
        WriteMem32(Seg.SS, sp, value);
        SetReg16(Reg.SP, sp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Pop16()
    {
        uint sp = Regs[Reg.SP] & 0xFFFF;
        uint v = ReadMem16(Seg.SS, sp);
        SetReg16(Reg.SP, sp + 2);
        return v;
    }

    internal uint Pop32()
    {
        uint sp = Regs[Reg.SP] & 0xFFFF;
        uint v = ReadMem32(Seg.SS, sp);
        SetReg16(Reg.SP, sp + 4);
        return v;
    }

    /// <summary>Reads the stack <paramref name="depth"/> bytes above SS:SP without moving SP. The
    /// instructions that pop several values (RETF, IRET, POPA) read them all this way first, so a
    /// segment overrun on a later one leaves SP as it was and the instruction restarts cleanly.</summary>
    internal uint PeekStack(uint depth, int size) => ReadMem(Seg.SS, (Regs[Reg.SP] + depth) & 0xFFFF, size);

    internal void Push(uint value, int size)
    {
        if (size == 4) Push32(value); else Push16(value);
    }

    internal uint Pop(int size) => size == 4 ? Pop32() : Pop16();

    // ---- control transfer ----

    /// <summary>Far jump target: loads CS and IP.</summary>
    /// <remarks>A new CS needs no pass through the run loop's attention: the loop (and a compiled block) goes on to
    /// the next slot only when IP is the next instruction's (Eip, set to it before the instruction ran), and
    /// otherwise finds the code at CS:IP afresh, with InstructionCs. Only a target whose IP is that next IP under
    /// another CS raises attention, as <see cref="LoadSegment"/> does for every new CS.</remarks>
    internal void JumpFar(uint selector, uint offset)
    {
        offset &= 0xFFFF;
        if (_codeSelector != (ushort)selector)
        {
            if (offset == Eip)
                _attention = true;
            EnterCodeSegment(selector);
        }
        Eip = offset;
    }

    /// <summary>Marks the end of the run: the exit handler or an instruction wants the loop to return.</summary>
    public void RequestStop()
    {
        _stopReason = StopReason.StopRequested;
        _stopRequested = true;
        _attention = true;
    }

    /// <summary>
    /// Ends the current <see cref="Run"/> at the next instruction boundary with <see cref="StopReason.SliceEnded"/>,
    /// however much of its budget is left: the hypervisor's timer deadline moved earlier while the slice ran. It
    /// costs the run loop nothing (the same attention test as an interrupt); a stop already requested wins.
    /// </summary>
    public void EndSlice()
    {
        if (_stopRequested)
            return;
        _stopReason = StopReason.SliceEnded;
        _stopRequested = true;
        _attention = true;
    }

    internal void StopWith(StopReason reason, CpuStop stop)
    {
        _stopReason = reason;
        Stop = stop;
        _stopRequested = true;
        _attention = true;
    }

    /// <summary>HLT: the CPU waits; Run returns <see cref="StopReason.Halt"/> until an interrupt wakes it.</summary>
    internal void EnterHalt()
    {
        _halted = true;
        _attention = true;
    }

    // Set by another thread (a device's posted-interrupt notification); read at the next instruction boundary.
    private volatile bool _notified;

    /// <summary>What the CPU does, on its own thread at the next instruction boundary, after <see cref="Notify"/>: the
    /// VMM's posted-interrupt unit moves the vectors a device posted into the interrupt state. Null (no device
    /// posts) leaves the run loop as it was: the notification flag is only looked at while attention is raised.</summary>
    public Action? Notification { get; set; }

    /// <summary>
    /// Called from any thread: makes the CPU run <see cref="Notification"/> before its next instruction, as the
    /// posted-interrupt notification vector makes a physical CPU look at its descriptor. No VM exit; the same attention
    /// test the run loop makes for an interrupt request.
    /// </summary>
    public void Notify()
    {
        _notified = true;
        Volatile.Write(ref _attention, true);
    }

    /// <summary>The INTR pin, driven by the interrupt controller.</summary>
    public void SetInterruptLine(bool asserted)
    {
        _interruptLine = asserted;
        if (asserted)
            _attention = true;
    }

    // ---- VM exits ----

    // A port access is a read or write through the exit handler (no handler: an empty bus, reads all ones).
    internal uint PortIn(uint port, int size) =>
        (ExitHandler?.Read(this, ExitReason.Io, port & 0xFFFF, size) ?? 0xFFFF_FFFF) & SizeMask(size);

    internal void PortOut(uint port, int size, uint value) =>
        ExitHandler?.Write(this, ExitReason.Io, port & 0xFFFF, size, value & SizeMask(size));

    internal void Hypercall()
    {
        var exit = new VmExit
        {
            Reason = ExitReason.Hypercall, Size = 2, Cs = InstructionCs, Ip = InstructionIp,
            Address = Regs[Reg.AX] & 0xFFFF,
        };
        if (ExitHandler is null)
            RaiseException(6); // no hypervisor to call: VMCALL is an undefined opcode
        else
            ExitHandler.HandleExit(this, ref exit);
    }

    private sealed class MmioExitAdapter(Processor cpu) : IMmioHandler
    {
        public uint MmioRead(uint physicalAddress, int size) =>
            cpu.ExitHandler?.Read(cpu, ExitReason.Mmio, physicalAddress, size) ?? SizeMask(size);

        public void MmioWrite(uint physicalAddress, int size, uint value) =>
            cpu.ExitHandler?.Write(cpu, ExitReason.Mmio, physicalAddress, size, value);
    }
}
