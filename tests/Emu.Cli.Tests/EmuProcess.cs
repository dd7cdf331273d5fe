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

    public static Result Run(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
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
