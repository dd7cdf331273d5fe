namespace Emu.Tooling.GuestTests;

/// <summary>
/// One program to test, or one variant of it (named <c>PROGRAM [OPTIONS]</c>). A case with no expectations is
/// skipped; a case whose source could not be used carries the reason and fails without running.
/// </summary>
public sealed record GuestTestCase(string Program, string Name, string? Source, GuestExpectations? Expect, string? Variant, string? Problem = null)
{
    /// <summary>Not a test: its source expects nothing (or there is no source beside the image).</summary>
    public bool Skipped => Problem is null && Expect is null;

    /// <summary>
    /// The cases of <paramref name="paths"/>, in order: a directory gives each .asm under it (recursively, in ordinal
    /// order; its committed .bin is the same program), a file is itself (a .bin or .img takes its expectations from
    /// the .asm beside it). A path that does not exist, or paths that hold no program, are a <see cref="GuestTestException"/>.
    /// </summary>
    public static List<GuestTestCase> Find(IEnumerable<string> paths)
    {
        var programs = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
                programs.AddRange(Directory.GetFiles(path, "*.asm", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else if (File.Exists(path))
                programs.Add(path);
            else
                throw new GuestTestException($"test path '{path}' does not exist");
        }
        if (programs.Count == 0)
            throw new GuestTestException($"no test programs (.asm, .bin, .img) under {string.Join(", ", paths)}");

        var cases = new List<GuestTestCase>();
        foreach (string program in programs)
            cases.AddRange(Of(program));
        return cases;
    }

    /// <summary>The cases of one program: one, or one per variant.</summary>
    public static IEnumerable<GuestTestCase> Of(string program)
    {
        string? source = SourceOf(program);
        GuestExpectations expect;
        try
        {
            expect = source is null ? new GuestExpectations() : GuestExpectations.Read(source);
        }
        catch (GuestTestException e)
        {
            return [new GuestTestCase(program, program, source, null, null, e.Message)];
        }
        if (!expect.Any)
            return [new GuestTestCase(program, program, source, null, null)];
        if (expect.Variants.Count == 0)
            return [new GuestTestCase(program, program, source, expect, null)];
        return expect.Variants.Select(v => new GuestTestCase(program, $"{program} [{v}]", source, expect, v));
    }

    /// <summary>The .asm a program's expectations come from: itself, or the .asm beside a .bin or .img; null if none.</summary>
    private static string? SourceOf(string program)
    {
        if (Path.GetExtension(program).Equals(".asm", StringComparison.OrdinalIgnoreCase))
            return program;
        string beside = Path.ChangeExtension(program, ".asm");
        return File.Exists(beside) ? beside : null;
    }
}
