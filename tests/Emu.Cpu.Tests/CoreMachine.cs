using Emu.Memory;
using Iced.Intel;

namespace Emu.Cpu.Tests;

/// <summary>A bare machine for CPU tests: code assembled by Iced at 0000:0100, stack at 0000:FFFE,
/// IVT entries pointing at per-vector HLT stubs so a test can see which interrupt was taken.</summary>
internal sealed class CoreMachine
{
    public const ushort CodeOffset = 0x100;
    public const uint StubBase = 0x8000; // vector n's stub is a HLT at 0000:8000+n

    public GuestMemory Memory { get; } = new();
    public Processor Cpu { get; }

    public CoreMachine(CpuModel model, Action<Assembler> program)
    {
        Cpu = new Processor(Memory, model);
        for (uint v = 0; v < 256; v++)
        {
            Memory.Bytes[(int)(StubBase + v)] = 0xF4; // HLT
            Memory.Load(v * 4, [(byte)(StubBase + v), (byte)((StubBase + v) >> 8), 0, 0]);
        }
        var asm = new Assembler(16);
        program(asm);
        var stream = new MemoryStream();
        asm.Assemble(new StreamCodeWriter(stream), CodeOffset);
        Memory.Load(CodeOffset, stream.ToArray());
        Cpu.CS = 0;
        Cpu.IP = CodeOffset;
        Cpu.SS = 0;
        Cpu.SP = 0xFFFE;
        Cpu.DS = 0;
        Cpu.ES = 0;
    }

    public CoreMachine(CpuModel model, byte[] code)
        : this(model, _ => { })
    {
        Memory.Load(CodeOffset, code);
    }

    /// <summary>Runs until HLT (or the budget); returns why it stopped.</summary>
    public StopReason RunToHalt(long budget = 100_000) => Cpu.Run(budget);

    /// <summary>The vector whose HLT stub the CPU stopped in, or null if it halted elsewhere.</summary>
    public int? InterruptTaken =>
        Cpu.CS == 0 && Cpu.IP > StubBase && Cpu.IP <= StubBase + 256 ? Cpu.IP - (int)StubBase - 1 : null;
}
