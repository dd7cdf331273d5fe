using Emu.Tooling.Bench;

namespace Emu.Cli.Verbs;

/// <summary>
/// `emu bench io --guests N --models ...` (several guest processes sharing one device server per model, docs/IO-PATHS.md)
/// and `emu bench io-guest` (one of those guests: it connects, says "ready", waits for a line on stdin, runs, and
/// prints its report as one JSON line).
/// </summary>
public static class BenchMultiGuestVerb
{
    public const int MaxGuests = 16;

    public static int Run(BenchOptions o, TextWriter output)
    {
        if (o.Files.Any())
            throw new UserError($"bench io takes no FILE arguments (got '{o.Files.First()}')", ExitCodes.Usage);
        if (o.Paths is not null || o.Workloads is not null || o.Image is not null || o.OsImage is not null)
            throw new UserError("--guests/--models measure their own workload (each guest reads its window): drop --paths, --workloads, --image and --os-image", ExitCodes.Usage);
        if (o.WindowKib is < 4 or > MultiGuest.MaxDiskBytes / 1024 || o.WindowKib % 4 != 0)
            throw new UserError("--window-kib must be a multiple of 4 from 4 to 512", ExitCodes.Usage);
        CheckPasses(o.Passes);
        var counts = GuestCounts(o.Guests);
        var models = Models(o.Models);

        var bench = new MultiGuestBench(new MultiGuestOptions
        {
            Models = models,
            GuestCounts = counts,
            WindowBytes = o.WindowKib * 1024L,
            Passes = o.Passes,
            StartServer = MultiGuestProcesses.StartServer,
            RunGuests = MultiGuestProcesses.RunGuests,
        });
        var report = new BenchRows<MultiGuestResult>(r => $"{r.Model} with {r.Guests} guests", MultiGuestOutput.ToJson, MultiGuestOutput.WriteTable,
            MultiGuestOutput.ToSvg, MultiGuestOutput.Problems);
        return report.Report(bench.Run, models.Count * counts.Count, o, output).Clean ? ExitCodes.Success : ExitCodes.HostError;
    }

    /// <summary>One guest: the exit status is the guest's (33 every request succeeded, 35 some failed), as `emu run` gives it.</summary>
    public static int RunGuest(BenchOptions o, TextWriter output)
    {
        if (o.Socket is not { Length: > 0 } socket)
            throw new UserError("bench io-guest needs --socket (the device server's)", ExitCodes.Usage);
        var models = Models(o.Models);
        if (o.Models is null || models.Count != 1)
            throw new UserError("bench io-guest runs one model: give --models NAME", ExitCodes.Usage);
        CheckPasses(o.Passes);
        if (o.ReadKib is { } kib && (kib is < 4 or > MultiGuest.MaxDiskBytes / 1024 || kib % 4 != 0))
            throw new UserError("--read-kib must be a multiple of 4 from 4 to 512", ExitCodes.Usage);
        RunFiles.CheckSocket("--socket", socket);
        MultiGuestReport report;
        try
        {
            report = MultiGuest.Run(models[0], socket, o.ReadKib * 1024L, o.Passes, () =>
            {
                output.WriteLine("ready");
                output.Flush();
                Console.In.ReadLine(); // the bench starts every guest's phase at once; end of input starts it too
            });
        }
        catch (IoBenchException e)
        {
            throw new UserError($"bench io-guest: {e.Message}");
        }
        output.WriteLine(MultiGuestOutput.ToJson(report));
        return report.GuestExitCode;
    }

    private static void CheckPasses(int passes)
    {
        if (passes is < 1 or > 255)
            throw new UserError("--passes must be between 1 and 255", ExitCodes.Usage);
    }

    /// <summary>The guest counts asked for, with 1 added (the unshared row the others are read against), ascending.</summary>
    private static List<int> GuestCounts(string? text)
    {
        var counts = new SortedSet<int> { 1 };
        foreach (var part in (text ?? "1").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n is < 1 or > MaxGuests)
                throw new UserError($"--guests: '{part}' is not a number of guests from 1 to {MaxGuests}", ExitCodes.Usage);
            counts.Add(n);
        }
        return [.. counts];
    }

    private static List<MultiGuestModel> Models(string? text)
    {
        return BenchIoVerb.ParseList(text, "--models", MultiGuestModels.All,
            (string s, out MultiGuestModel m) => (m = MultiGuestModels.Find(s)!) is not null, m => m.Name);
    }
}
