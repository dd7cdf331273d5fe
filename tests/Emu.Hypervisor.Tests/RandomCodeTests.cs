namespace Emu.Hypervisor.Tests;

/// <summary>
/// A hostile guest can never crash or hang the host: seeded random code and random register
/// state on every CPU model, with the whole PC platform attached, each run bounded by an
/// instruction budget. Any host exception fails the test with the seed that caused it.
/// </summary>
public class RandomCodeTests
{
    [Theory]
    [MemberData(nameof(CpuModelData.Every), MemberType = typeof(CpuModelData))]
    public void Random_code_ends_as_a_guest_event_never_a_host_exception(CpuModel model)
    {
        const int Programs = 300;
        const long Budget = 2_000;
        for (int seed = 0; seed < Programs; seed++)
        {
            var random = new Random(seed * 4 + (int)model);
            using var vm = new VirtualMachine(new MachineConfig { Cpu = model });
            var code = new byte[4096];
            random.NextBytes(code);
            // Scatter random bytes over the rest of memory too, so jumps land on more garbage.
            var scatter = new byte[64];
            for (int i = 0; i < 64; i++)
            {
                random.NextBytes(scatter);
                vm.Memory.Load((uint)random.Next(0, 0xF_0000), scatter);
            }
            FlatBinaryLoader.Load(vm.Memory, code, SegmentedAddress.BootSector);
            BareStart.Prepare(vm, SegmentedAddress.BootSector);
            vm.Cpu.Eax = (uint)random.Next();
            vm.Cpu.Ebx = (uint)random.Next();
            vm.Cpu.Ecx = (uint)random.Next();
            vm.Cpu.Esi = (uint)random.Next();
            vm.Cpu.Edi = (uint)random.Next();
            vm.Cpu.Ebp = (uint)random.Next();
            vm.Cpu.Flags = (uint)random.Next() & ~CpuFlags.TF;

            RunOutcome outcome;
            try
            {
                outcome = vm.Run(new RunLimits { MaxInstructions = Budget });
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed} on the {model.Name()}: host exception {e}");
            }
            outcome.End.Should().NotBe(RunEnd.Cancelled);
            vm.Cpu.Retired.Should().BeLessThanOrEqualTo(Budget + 1, $"seed {seed}: the budget bounds the run");
        }
    }
}
