using Emu.Tests.Shared;
using Emu.Tooling.GuestTests;

namespace Emu.Cli.Tests;

/// <summary>
/// Every guest program of guest-images/tests and guest-images/demos (and each of its <c>; emu-variant:</c> lines) is a
/// case of its own, run by the runner of <c>emu test</c> on the machine <c>emu run</c>/<c>emu boot</c> builds, so a
/// failure names the program and says what it printed.
/// </summary>
public sealed class GuestProgramTests
{
    private static readonly string[] Folders = ["guest-images/tests", "guest-images/demos"];

    // The cases by the name a failure shows (the path from the repository's root, and the variant).
    private static readonly Lazy<Dictionary<string, GuestTestCase>> Cases = new(() =>
        GuestTestCase.Find(Folders.Select(f => Path.Combine(RepoPaths.Root, f)))
            .Where(c => !c.Skipped)
            .ToDictionary(c => Path.GetRelativePath(RepoPaths.Root, c.Name)));

    public static TheoryData<string> Programs() => new(Cases.Value.Keys);

    [Fact]
    public void Every_program_of_the_folders_is_a_case()
    {
        int sources = Folders.Sum(f => Directory.GetFiles(Path.Combine(RepoPaths.Root, f), "*.asm", SearchOption.AllDirectories).Length);
        Cases.Value.Select(c => c.Value.Program).Distinct().Should().HaveCount(sources, "every guest test source has expectations");
        Cases.Value.Keys.Should().Contain("guest-images/tests/bios-disk-hd.asm [--bios-disk dma]", "each variant is a case");
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Program_meets_the_expectations_in_its_source(string program)
    {
        var result = new GuestTestRunner(new GuestLauncher()).Run(Cases.Value[program]);

        result.Verdict.Should().Be(GuestTestVerdict.Pass, result.Line + "\n" + result.Log);
    }
}
