using System.IO.Compression;
using System.Text.Json;
using Emu.Tooling.Conformance;

namespace Emu.Hypervisor.Tests;

/// <summary>
/// How the conformance runner sets up the chip a suite was captured on: vectors written here in the
/// SingleStepTests layout (a gzip JSON array per file) and run through <see cref="ConformanceRunner"/>,
/// as <c>emu conformance DIR --cpu MODEL</c> does. The held-out 80286 suite was captured on a chip with
/// 16 MB of RAM and 24 address lines: FFFF:0010 and above is memory past 1 MiB, not a wrap to 0.
/// </summary>
public sealed class ConformanceRunnerTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-conf-");

    public void Dispose() => _dir.Dispose();

    private FileResult RunOne(CpuModel model, object test)
    {
        string path = _dir["50.json.gz"];
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            JsonSerializer.Serialize(gzip, new[] { test });
        return new ConformanceRunner(model, failuresToShow: 1).RunFiles([path], ConformanceMetadata.Empty).Single();
    }

    /// <summary>PUSH AX (50h) with SS = FFFF, SP = 0022: the word goes to physical 100010h-100011h on a
    /// chip with more than 20 address lines, and to 00010h-00011h (IVT entry 4) on an 8086. FLAGS as the
    /// model holds them (bits 12-15 read as 1 on the 8086, 0 on the 286).</summary>
    private static object PushAxAtTheTopOfMemory(int flags, int expectedLow, int expectedHigh) => new
    {
        name = "push ax",
        bytes = new[] { 0x50 },
        initial = new
        {
            regs = new { ax = 0xBEEF, bx = 0, cx = 0, dx = 0, cs = 0x1000, ss = 0xFFFF, ds = 0, es = 0, sp = 0x0022, bp = 0, si = 0, di = 0, ip = 0x0100, flags },
            ram = new[] { new[] { 0x10100, 0x50 }, new[] { 0x00010, 0x11 }, new[] { 0x00011, 0x22 }, new[] { 0x100010, 0x33 }, new[] { 0x100011, 0x44 } },
        },
        final = new
        {
            regs = new { sp = 0x0020, ip = 0x0101 },
            ram = new[] { new[] { 0x00010, expectedLow }, new[] { 0x00011, expectedHigh }, new[] { 0x100010, 0xEF }, new[] { 0x100011, 0xBE } },
        },
    };

    [Theory]
    [InlineData(CpuModel.I286)]
    [InlineData(CpuModel.I386)]
    public void A_word_pushed_above_1_MiB_stays_there_on_a_chip_with_more_than_20_address_lines(CpuModel model)
    {
        var result = RunOne(model, PushAxAtTheTopOfMemory(flags: 0x0002, expectedLow: 0x11, expectedHigh: 0x22));

        result.Failed.Should().Be(0, string.Join("; ", result.FirstFailures));
        result.Passed.Should().Be(1);
    }

    [Fact]
    public void The_8086_wraps_the_same_push_to_the_bottom_of_memory()
    {
        // On 20 address lines 100010h is 00010h: the word lands there, so the entries at 100010h
        // (the same bytes) read BEEF too.
        var result = RunOne(CpuModel.I8086, PushAxAtTheTopOfMemory(flags: 0xF002, expectedLow: 0xEF, expectedHigh: 0xBE));

        result.Failed.Should().Be(0, string.Join("; ", result.FirstFailures));
    }

    [Theory]
    [InlineData(CpuModel.I286, 0x0283)] // real mode: bits 12-15 read as 0 whatever LOADALL put there
    [InlineData(CpuModel.I8086, 0xF283)] // bits 12-15 read as 1
    public void Initial_FLAGS_are_loaded_through_the_CPUs_own_setter(CpuModel model, int flagsAfter)
    {
        var test = new
        {
            name = "nop",
            bytes = new[] { 0x90 },
            initial = new
            {
                regs = new { cs = 0, ip = 0x0100, flags = 0x7283 },
                ram = new[] { new[] { 0x100, 0x90 } },
            },
            final = new { regs = new { ip = 0x0101, flags = flagsAfter }, ram = Array.Empty<int[]>() },
        };

        var result = RunOne(model, test);

        result.Failed.Should().Be(0, string.Join("; ", result.FirstFailures));
    }

    [Fact]
    public void A_ram_address_no_real_mode_cpu_can_reach_is_a_malformed_test_not_a_crash()
    {
        var test = new
        {
            name = "nop",
            bytes = new[] { 0x90 },
            initial = new
            {
                regs = new { cs = 0, ip = 0x0100 },
                ram = new[] { new[] { 0x100, 0x90 }, new[] { 0xFFFFFF, 0x00 } },
            },
            final = new { regs = new { ip = 0x0101 }, ram = Array.Empty<int[]>() },
        };

        var result = RunOne(CpuModel.I286, test);

        result.Failed.Should().Be(1);
        result.FirstFailures.Single().Should().Contain("malformed test: initial ram address FFFFFF is beyond real-mode memory");
    }
}
