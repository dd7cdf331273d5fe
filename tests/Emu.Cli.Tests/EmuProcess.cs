using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>Runs the real emu command (the built emu.dll beside the tests) as a user would.</summary>
internal static class EmuProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>What every user error must look like: the documented status, one line on stderr
        /// naming the problem, no stack trace.</summary>
        public void ShouldBeOneLineError(int status, string fragment)
        {
            ExitCode.Should().Be(status);
            Stderr.Should().Contain(fragment);
            Stderr.TrimEnd('\n').Should().NotContain("\n", "the error is one line");
            Stderr.Should().NotContain("   at ", "no stack trace");
        }
    }

    /// <summary>How every test starts emu: `dotnet emu.dll ARGS` from the repository root, all three streams redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoPaths.Root,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "emu.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }

    public static Result Run(params string[] args) => Run(StartInfo(args));

    /// <summary>Runs emu through the shell with its standard output redirected as a user would (<c>&gt;/dev/full</c>,
    /// <c>&gt;&amp;-</c>); Stdout is then empty.</summary>
    public static Result RunWithStdout(string redirection, params string[] args)
    {
        var emu = StartInfo(args);
        var shell = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = emu.WorkingDirectory,
        };
        foreach (string a in (string[])["-c", $"exec \"$0\" \"$@\" {redirection}", emu.FileName, .. emu.ArgumentList])
            shell.ArgumentList.Add(a);
        return Run(shell);
    }

    private static Result Run(ProcessStartInfo start)
    {
        var args = start.ArgumentList;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"emu {string.Join(' ', args)} did not finish");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
