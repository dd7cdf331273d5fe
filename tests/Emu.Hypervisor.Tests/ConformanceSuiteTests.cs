using Emu.Tooling.Conformance;

namespace Emu.Hypervisor.Tests;

/// <summary>
/// The 8086 model measured against the third-party SingleStepTests vectors, which the repository does not hold
/// (README, "Conformance": $EMU_CONFORMANCE_DIR, default ../shared/conformance). One test case per vector file,
/// so a failure names its opcode; every file must pass whole. Without the vectors the cases are reported as
/// skipped with the reason (.ci/run refuses to run without them).
/// </summary>
public class ConformanceSuiteTests
{
    private static string Dir => RepoPaths.Conformance8086;

    private static string Absent =>
        $"the 8086 conformance vectors are not at {Dir} (set {RepoPaths.ConformanceVariable} to the folder holding 8086/)";

    // The whole suite runs once, on all cores (the runner's own parallelism); each case reads its file's result.
    private static readonly Lazy<Dictionary<string, FileResult>> Results = new(() =>
        new ConformanceRunner(CpuModel.I8086, failuresToShow: 5)
            .RunFiles(ConformanceRunner.FindFiles(Dir), ConformanceMetadata.Load(Dir))
            .ToDictionary(r => r.File));

    /// <summary>The vector files by name; one placeholder row when they are absent, which the test skips.</summary>
    public static TheoryData<string> VectorFiles()
    {
        var data = new TheoryData<string>();
        if (!Directory.Exists(Dir))
            data.Add("(vectors absent)");
        else
            foreach (string file in ConformanceRunner.FindFiles(Dir))
                data.Add(Path.GetFileName(file));
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(VectorFiles))]
    public void Every_test_of_the_file_passes_on_the_8086(string file)
    {
        Skip.IfNot(Directory.Exists(Dir), Absent);

        var result = Results.Value[file];

        result.Error.Should().BeNull();
        result.Total.Should().BeGreaterThan(0);
        result.Failed.Should().Be(0, $"{file}: {result.Passed}/{result.Total} passed; first failures: {string.Join("; ", result.FirstFailures)}");
    }

    [SkippableFact]
    public void The_suite_is_all_there()
    {
        Skip.IfNot(Directory.Exists(Dir), Absent);
        ConformanceRunner.FindFiles(Dir).Should().HaveCountGreaterThanOrEqualTo(322, "the suite has a file per opcode and group form (docs/CONFORMANCE.md)");
        File.Exists(Path.Combine(Dir, "metadata.json")).Should().BeTrue("the flag masks come from metadata.json");
    }

    [Fact]
    public void A_corrupt_test_file_is_reported_not_thrown()
    {
        using var dir = new TempFolder("emu-conf-");
        File.WriteAllText(dir["00.json.gz"], "this is not gzip");
        var results = new ConformanceRunner(CpuModel.I8086).RunFiles(ConformanceRunner.FindFiles(dir.Path), ConformanceMetadata.Load(dir.Path));
        results.Should().ContainSingle().Which.Error.Should().StartWith("cannot read");
    }
}
