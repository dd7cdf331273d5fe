using System.Diagnostics;
using Emu.Fuzz;
using Xunit.Abstractions;

namespace Emu.Hypervisor.Tests.Fuzz;

/// <summary>
/// The deterministic version of the <c>cpu</c> AFL target (tools/fuzz): the same harness code on seeded
/// inputs, the shipped test programs with random bytes flipped (so that runs go astray from real code, on
/// every CPU model, bare and after the BIOS's POST) and random code. RandomCodeTests covers random register
/// state; this adds the firmware, a disk, memory holes, and the check that no non-RAM page ever changes.
/// </summary>
public class CpuFuzzHarnessTests(ITestOutputHelper output)
{
    [Fact]
    public void Cpu_harness_holds_its_properties_on_mutated_guest_programs()
    {
        var programs = FuzzInputs.Programs();
        using var harness = new CpuHarness(FuzzInputs.Firmware());
        var rng = new Random(8);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 240; i++)
        {
            byte[] code = i % 4 == 3 ? FuzzInputs.Random(rng, 1024) : FuzzInputs.Mutated(programs, rng, minFlips: 1, maxFlips: 8);
            // Header: model (bits 0-1), the BIOS on every other run, memory size.
            byte header = (byte)((i & 3) | (rng.Next(2) << 2) | (rng.Next(4) << 3));
            byte[] input = [header, .. code];
            try
            {
                harness.Run(input);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"input {i} ({Convert.ToHexString(input)}): {e}");
            }
        }
        output.WriteLine($"{harness.Runs} runs ({harness.WithFirmware} with the BIOS), {harness.Instructions:N0} instructions " +
            $"in {clock.ElapsedMilliseconds} ms; ends: {string.Join(", ", harness.Ends.Select(e => $"{e.Key} {e.Value}"))}");
        harness.Instructions.Should().BeGreaterThan(300_000);
        harness.WithFirmware.Should().BeGreaterThan(60);
    }
}
