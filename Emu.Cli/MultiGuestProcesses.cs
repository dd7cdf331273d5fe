using System.Diagnostics;
using System.Globalization;
using Emu.Tooling.Bench;

namespace Emu.Cli;

/// <summary>
/// The processes of the multi-guest bench: `emu device-server --guests N` for a model, and N `emu bench io-guest`
/// processes on its socket, all this same emu. The guests start at once; each says "ready" when its machine is built
/// and its device connected, and the bench then tells them all to go, so their measured phases overlap.
/// </summary>
internal static class MultiGuestProcesses
{
    private static readonly TimeSpan GuestTimeout = TimeSpan.FromMinutes(10);

    public static IMultiGuestServer StartServer(MultiGuestServerRequest request) => new ServerProcess(request);

    public static IReadOnlyList<MultiGuestReport> RunGuests(MultiGuestRunRequest request)
    {
        var guests = new List<Process>();
        try
        {
            for (int i = 0; i < request.Guests; i++)
            {
                var psi = SelfProcess.StartInfo("bench", "io-guest", "--models", request.Model.Name, "--socket", request.Socket,
                    "--passes", request.Passes.ToString(CultureInfo.InvariantCulture));
                psi.RedirectStandardInput = true;
                guests.Add(Process.Start(psi) ?? throw new IoBenchException("cannot start emu bench io-guest"));
            }
            var errors = guests.Select(g => g.StandardError.ReadToEndAsync()).ToList();
            for (int i = 0; i < guests.Count; i++)
            {
                string? ready = guests[i].StandardOutput.ReadLine();
                if (ready != "ready")
                    throw Failed(request, i, guests[i], errors[i]);
            }
            foreach (var guest in guests)
            {
                guest.StandardInput.WriteLine("go");
                guest.StandardInput.Close();
            }
            var lines = guests.Select(g => g.StandardOutput.ReadToEndAsync()).ToList();
            var reports = new List<MultiGuestReport>();
            for (int i = 0; i < guests.Count; i++)
            {
                if (!guests[i].WaitForExit(GuestTimeout))
                    throw new IoBenchException($"{request.Model.Name} guest {i + 1} of {request.Guests} did not finish in {GuestTimeout.TotalMinutes} minutes");
                var report = MultiGuestOutput.ParseReport(lines[i].Result.Trim());
                if (report is null || guests[i].ExitCode is not (33 or 35))
                    throw Failed(request, i, guests[i], errors[i]);
                reports.Add(report);
            }
            return reports;
        }
        finally
        {
            foreach (var guest in guests)
            {
                if (!guest.HasExited)
                    guest.Kill();
                guest.Dispose();
            }
        }
    }

    private static IoBenchException Failed(MultiGuestRunRequest request, int i, Process guest, Task<string> stderr)
    {
        if (!guest.WaitForExit(10_000))
            guest.Kill();
        string why = stderr.Wait(5_000) ? stderr.Result.Trim() : "";
        return new IoBenchException($"{request.Model.Name} guest {i + 1} of {request.Guests} failed: {(why.Length > 0 ? why : $"exit status {guest.ExitCode}")}");
    }

    /// <summary>A process's user + system CPU seconds so far, from /proc/PID/stat (in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // after the command: state is field 3 of the line, utime 14 and stime 15
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            throw new IoBenchException($"cannot read the device server's CPU time from /proc/{pid}/stat: {e.Message}");
        }
    }

    /// <summary>The model's device server for N guests, started as `emu device-server --guests N`.</summary>
    private sealed class ServerProcess(MultiGuestServerRequest request) : IMultiGuestServer
    {
        private readonly DeviceServerProcess _server = new("--socket", request.Socket, "--disk", request.Image,
            "--device", request.Model.Device, "--guests", request.Guests.ToString(CultureInfo.InvariantCulture));

        public double CpuSeconds() => MultiGuestProcesses.CpuSeconds(_server.Id);

        public void Dispose() => _server.Dispose();
    }
}
