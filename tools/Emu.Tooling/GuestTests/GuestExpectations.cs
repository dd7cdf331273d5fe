namespace Emu.Tooling.GuestTests;

/// <summary>
/// What a guest program's source says it must do, from its comment lines (the one parser of them):
/// <c>; expect-output: TEXT</c> (one per line printed on the debug console, port E9h), <c>; expect-serial: TEXT</c>
/// (COM1), <c>; expect-screen: TEXT</c> (a line somewhere on the text screen), <c>; expect-exit: N</c> (default 0),
/// <c>; emu-options: ...</c> (options of run/boot, e.g. <c>--cpu 8086 --keys abc</c>), <c>; emu-verb: boot|run</c>,
/// <c>; disk: FILE</c> and <c>; virtio-disk: FILE</c> (a scratch copy of FILE, beside the source, as the next hard
/// disk or the virtio disk) and <c>; emu-variant: ...</c> (run once more per such line with these options added;
/// with variant lines the program runs only in its variants).
/// </summary>
public sealed class GuestExpectations
{
    public List<string> Output { get; } = [];
    public List<string> Serial { get; } = [];
    public List<string> Screen { get; } = [];
    public int? Exit { get; private set; }
    public List<string> Options { get; } = [];
    public bool Boot { get; private set; }
    /// <summary>Disk images beside the source and the option that attaches each (--disk, --virtio-disk).</summary>
    public List<(string Path, string Option)> Disks { get; } = [];
    public List<string> Variants { get; } = [];

    /// <summary>Whether the source expects anything at all; without, it is not a test (a benchmark, the firmware).</summary>
    public bool Any => Output.Count + Serial.Count + Screen.Count > 0 || Exit is not null;

    /// <summary>The exit status the run must end with.</summary>
    public int ExpectedExit => Exit ?? 0;

    /// <summary>Reads the expectations of <paramref name="source"/>; a line it cannot use is a <see cref="GuestTestException"/>.</summary>
    public static GuestExpectations Read(string source)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GuestTestException($"cannot read '{source}': {e.Message}");
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(source))!;
        var expect = new GuestExpectations();
        foreach (string raw in lines)
        {
            string line = raw.TrimStart();
            if (!line.StartsWith(';'))
                continue;
            line = line[1..].TrimStart();
            if (Value(line, "expect-output:") is { } output)
                expect.Output.Add(output);
            else if (Value(line, "expect-serial:") is { } serial)
                expect.Serial.Add(serial);
            else if (Value(line, "expect-screen:") is { } screen)
                expect.Screen.Add(screen);
            else if (Value(line, "expect-exit:") is { } exit)
                expect.Exit = int.TryParse(exit.Trim(), out int n) ? n : throw new GuestTestException($"{source}: '; expect-exit: {exit}' is not a number");
            else if (Value(line, "virtio-disk:") is { } virtioDisk)
                expect.Disks.Add((Path.Combine(folder, virtioDisk.Trim()), "--virtio-disk"));
            else if (Value(line, "disk:") is { } disk)
                expect.Disks.Add((Path.Combine(folder, disk.Trim()), "--disk"));
            else if (Value(line, "emu-verb:") is { } verb)
                expect.Boot = verb.Trim() == "boot" ? true : verb.Trim() == "run" ? false : throw new GuestTestException($"{source}: '; emu-verb: {verb}' is not run or boot");
            else if (Value(line, "emu-options:") is { } opts)
                expect.Options.AddRange(opts.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            else if (Value(line, "emu-variant:") is { } variant)
                expect.Variants.Add(variant.Trim().Length > 0 ? variant.Trim() : throw new GuestTestException($"{source}: an empty '; emu-variant:' line"));
        }
        return expect;
    }

    // "key: text" -> "text" (one space after the colon is the separator; the rest is kept).
    private static string? Value(string line, string key)
    {
        if (!line.StartsWith(key, StringComparison.Ordinal))
            return null;
        string rest = line[key.Length..];
        return rest.StartsWith(' ') ? rest[1..].TrimEnd() : rest.TrimEnd();
    }
}
