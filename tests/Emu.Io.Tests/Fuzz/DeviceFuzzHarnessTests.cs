using System.Diagnostics;
using Emu.Fuzz;
using Xunit.Abstractions;

namespace Emu.Io.Tests.Fuzz;

/// <summary>
/// The deterministic versions of the <c>ata</c> and <c>virtio</c> AFL targets (tools/fuzz): the same harness
/// code, run on seeded inputs made of the harness's well-formed seed programs spliced with random bytes and
/// mutations. The harness throws on any violated property (see AtaHarness and VirtioHarness); these tests
/// also check that the runs got deep enough to mean something. They build a fresh machine per input, so
/// they allocate (and collect) a lot: they run alone, not beside the tests that count allocations, on which
/// a concurrent GC shows up as one allocation quantum.
/// </summary>
[Collection(nameof(DeviceFuzzHarnessTests))]
public class DeviceFuzzHarnessTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Ata_harness_holds_its_properties_on_seeded_inputs(int seed)
    {
        var harness = new AtaHarness();
        var clock = Stopwatch.StartNew();
        RunSpliced(input => harness.Run(input), AtaHarness.Seeds(), inputs: 400, seed);
        output.WriteLine($"{harness.Steps:N0} steps in {clock.ElapsedMilliseconds} ms: {harness.CommandsEnded:N0} commands ended " +
            $"({harness.CommandsFailed:N0} with ERR), {harness.DataAccesses:N0} data-port accesses, {harness.DmaStarts:N0} bus-master starts, {harness.DmaCompleted:N0} DMA commands completed");
        harness.Steps.Should().BeGreaterThan(50_000);
        harness.DataAccesses.Should().BeGreaterThan(1_000_000);
        harness.CommandsEnded.Should().BeGreaterThan(5_000);
        harness.CommandsFailed.Should().BeGreaterThan(500);
        harness.DmaStarts.Should().BeGreaterThan(1_000);
        harness.DmaCompleted.Should().BeGreaterThan(100);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Virtio_harness_holds_its_properties_on_seeded_inputs(int seed)
    {
        var harness = new VirtioHarness();
        var clock = Stopwatch.StartNew();
        RunSpliced(input => harness.Run(input), VirtioHarness.Seeds(), inputs: 1000, seed);
        output.WriteLine($"{harness.Steps:N0} steps in {clock.ElapsedMilliseconds} ms: {harness.Notifies:N0} notifies, " +
            $"{harness.BuffersUsed:N0} buffers used, {harness.RequestsCompleted:N0} requests, {harness.MalformedChains:N0} malformed, " +
            $"{harness.NeedsReset:N0} needs-reset");
        harness.Steps.Should().BeGreaterThan(250_000);
        harness.BuffersUsed.Should().BeGreaterThan(2_000);
        harness.RequestsCompleted.Should().BeGreaterThan(1_000);
        harness.MalformedChains.Should().BeGreaterThan(50);
        harness.NeedsReset.Should().BeGreaterThan(20);
    }

    /// <summary>Runs <paramref name="inputs"/> inputs spliced from the seed programs with random bytes; a violated
    /// property fails the test with the input that broke it.</summary>
    private static void RunSpliced(Action<byte[]> run, byte[][] seeds, int inputs, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < inputs; i++)
        {
            var input = FuzzInputs.Splice(rng, seeds, 1200);
            try
            {
                run(input);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"input {i} of seed {seed} ({Convert.ToHexString(input)}): {e}");
            }
        }
    }

    // The seeds are what a driver does: each ends its commands without ERR, except the two refusals they are
    // written to draw (seed 6 writes to the read-only disk; seed 7 ends with a read of CHS sector 0, which no
    // disk has), and the DMA seeds complete their transfers.
    [Fact]
    public void Every_ata_seed_program_does_what_a_driver_means()
    {
        var seeds = AtaHarness.Seeds();
        for (int i = 0; i < seeds.Length; i++)
        {
            var harness = new AtaHarness();
            harness.Run(seeds[i]);
            harness.CommandsEnded.Should().BeGreaterThan(0, $"seed {i} ends its commands");
            harness.CommandsFailed.Should().Be(i is 6 or 7 ? 1 : 0, $"seed {i}");
            if (i is 4 or 5)
                harness.DmaCompleted.Should().Be(1, $"seed {i} is a DMA transfer");
        }
    }

    // Each virtio seed completes requests with well-formed chains and never makes the device need a reset.
    [Fact]
    public void Every_virtio_seed_program_does_what_a_driver_means()
    {
        var seeds = VirtioHarness.Seeds();
        for (int i = 0; i < seeds.Length; i++)
        {
            var harness = new VirtioHarness();
            harness.Run(seeds[i]);
            harness.RequestsCompleted.Should().BeGreaterThan(0, $"seed {i} completes requests");
            harness.MalformedChains.Should().Be(0, $"seed {i}");
            harness.NeedsReset.Should().Be(0, $"seed {i}");
        }
    }
}

[CollectionDefinition(nameof(DeviceFuzzHarnessTests), DisableParallelization = true)]
public class DeviceFuzzHarnessCollection;
