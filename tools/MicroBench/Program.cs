using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Loader;
using Emu.Memory;

BenchmarkSwitcher.FromAssembly(typeof(GuestMemoryBenchmarks).Assembly).Run(args);

/// <summary>The memory fast paths every instruction goes through.</summary>
[MemoryDiagnoser]
public class GuestMemoryBenchmarks
{
    private readonly GuestMemory _memory = new();

    [Benchmark(OperationsPerInvoke = 1024)]
    public uint Read16()
    {
        uint sum = 0;
        for (uint a = 0; a < 2048; a += 2)
            sum += _memory.Read16(0x9000 + a);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = 1024)]
    public void Write16()
    {
        for (uint a = 0; a < 2048; a += 2)
            _memory.Write16(0x9000 + a, (ushort)a);
    }
}

/// <summary>One port write through the whole VMM exit path (an OUT the guest executes).</summary>
[MemoryDiagnoser]
public class ExitPathBenchmarks
{
    private VirtualMachine _vm = null!;

    [GlobalSetup]
    public void Setup()
    {
        _vm = new VirtualMachine(new MachineConfig());
        // 256 x OUT 80h,AL then a JMP back: the loop retires 257 instructions, 256 of them exits.
        var code = new List<byte>();
        for (int i = 0; i < 256; i++)
            code.AddRange(new byte[] { 0xE6, 0x80 });
        code.AddRange(new byte[] { 0xE9 });
        short back = (short)-(code.Count + 2);
        code.AddRange(BitConverter.GetBytes(back));
        FlatBinaryLoader.Load(_vm.Memory, code.ToArray(), SegmentedAddress.BootSector);
        BareStart.Prepare(_vm, SegmentedAddress.BootSector);
    }

    [Benchmark(OperationsPerInvoke = 256)]
    public StopReason OutExit() => _vm.Cpu.Run(257);
}
