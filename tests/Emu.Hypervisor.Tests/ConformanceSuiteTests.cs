using Emu.Cpu;
using Emu.Hypervisor.Conformance;
using Emu.Tests.Shared;

namespace Emu.Hypervisor.Tests;

/// <summary>The 8086 model measured against the third-party SingleStepTests vectors in ../shared.</summary>
public class ConformanceSuiteTests
{
    [Fact]
    public void The_8086_passes_at_least_99_9_percent_of_the_single_step_suite()
    {
        string dir = RepoPaths.Conformance8086;
        Directory.Exists(dir).Should().BeTrue($"the conformance vectors are expected at {dir}");
        var files = ConformanceRunner.FindFiles(dir);
        files.Should().HaveCountGreaterThan(300, "the suite has a file per opcode and group form");

        var results = new ConformanceRunner(CpuModel.I8086).RunFiles(files, ConformanceMetadata.Load(dir));

        results.Where(r => r.Error is not null).Should().BeEmpty("every file must be readable");
        long passed = results.Sum(r => r.Passed);
        long total = results.Sum(r => r.Total);
        total.Should().BeGreaterThanOrEqualTo(640_000);
        var below = results.Where(r => r.Failed > 0).Select(r => $"{r.File} {r.Passed}/{r.Total}");
        ((double)passed / total).Should().BeGreaterThanOrEqualTo(0.999,
            $"files below 100%: {string.Join(", ", below)}");
    }

    [Fact]
    public void A_corrupt_test_file_is_reported_not_thrown()
    {
        string dir = Directory.CreateTempSubdirectory("emu-conf-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "00.json.gz"), "this is not gzip");
            var results = new ConformanceRunner(CpuModel.I8086).RunFiles(ConformanceRunner.FindFiles(dir), ConformanceMetadata.Load(dir));
            results.Should().ContainSingle().Which.Error.Should().StartWith("cannot read");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
