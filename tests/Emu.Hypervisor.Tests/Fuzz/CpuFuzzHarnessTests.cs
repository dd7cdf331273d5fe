using System.Diagnostics;
using Emu.Fuzz;
using Emu.Tests.Shared;
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
        var firmware = File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "firmware", "bios.bin"));
        var programs = Directory.EnumerateFiles(RepoPaths.GuestImages, "*.bin", SearchOption.AllDirectories)
            .Where(f => !f.Contains("firmware") && new FileInfo(f).Length is > 0 and <= 8192)
            .Order().Select(File.ReadAllBytes).ToArray();
        programs.Should().NotBeEmpty();
        using var harness = new CpuHarness(firmware);
        var rng = new Random(8);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 240; i++)
        {
            byte[] code;
            if (i % 4 == 3)
            {
                code = new byte[1024];
                rng.NextBytes(code);
            }
            else
            {
                code = (byte[])programs[rng.Next(programs.Length)].Clone();
                for (int flips = rng.Next(1, 8); flips > 0; flips--)
                    code[rng.Next(code.Length)] = (byte)rng.Next(256);
            }
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
