using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// A real emu process with its gdb stub (<c>--gdb 0 --gdb-wait</c>: the port it picked is read from its stderr)
/// and Debian's real gdb driving it in batch mode, as a user would type the commands.
/// </summary>
internal static class GdbSession
{
    public sealed record Result(string Gdb, EmuProcess.Result Emu);

    /// <summary>Runs <c>emu EMUARGS --gdb 0 --gdb-wait</c>, then <c>gdb -batch</c> with the architecture set, connected, and
    /// <paramref name="commands"/>; returns what gdb printed and how emu ended (killed after 30 s if it did not).</summary>
    public static Result Run(string[] emuArgs, params string[] commands)
    {
        using var emu = Process.Start(EmuProcess.StartInfo([.. emuArgs, "--gdb", "0", "--gdb-wait"]))!;
        emu.StandardInput.Close();
        var stdout = emu.StandardOutput.ReadToEndAsync();
        var stderr = new List<string>();
        string? listening = null;
        while (emu.StandardError.ReadLine() is { } line)
        {
            stderr.Add(line);
            if (line.Contains("listening on 127.0.0.1:", StringComparison.Ordinal))
            {
                listening = line;
                break;
            }
        }
        listening.Should().NotBeNull($"emu says where its gdb stub listens; stderr: {string.Join(" | ", stderr)}");
        var rest = emu.StandardError.ReadToEndAsync();
        int port = int.Parse(listening!.Split("127.0.0.1:")[1].Split(' ')[0]);

        string gdbOutput;
        try
        {
            gdbOutput = RunGdb(port, commands);
        }
        finally
        {
            if (!emu.WaitForExit(30_000))
                emu.Kill(entireProcessTree: true);
        }
        emu.WaitForExit();
        string allStderr = string.Join("\n", stderr) + "\n" + rest.Result;
        return new Result(gdbOutput, new EmuProcess.Result(emu.ExitCode, stdout.Result, allStderr));
    }

    private static string RunGdb(int port, string[] commands)
    {
        var psi = new ProcessStartInfo("gdb")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (string a in (string[])["-batch", "-nx", "-ex", "set architecture i8086", "-ex", $"target remote 127.0.0.1:{port}"])
            psi.ArgumentList.Add(a);
        foreach (string c in commands)
        {
            psi.ArgumentList.Add("-ex");
            psi.ArgumentList.Add(c);
        }
        Process gdb;
        try
        {
            gdb = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException($"these tests drive the real gdb, which cannot be started ({e.Message}): apt-get install -y gdb");
        }
        using (gdb)
        {
            gdb.StandardInput.Close();
            var output = gdb.StandardOutput.ReadToEndAsync();
            var errors = gdb.StandardError.ReadToEndAsync();
            if (!gdb.WaitForExit(60_000))
            {
                gdb.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException($"gdb did not finish; it printed: {output.Result}");
            }
            return output.Result + errors.Result;
        }
    }
}
