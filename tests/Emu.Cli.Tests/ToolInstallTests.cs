using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>The README's install steps, as a user types them: pack the tool, install it from that folder, run it.
/// The package is the published emu (self-contained, trimmed, one composite precompiled image), so this also runs
/// that build the way users get it.</summary>
public sealed class ToolInstallTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"emu-tool-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int ExitCode, string Output) Run(string file, string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            psi.Environment[name] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(600_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void The_packed_tool_installs_as_emu_and_boots_the_hello_image()
    {
        string feed = Path.Combine(_dir, "feed"), tools = Path.Combine(_dir, "tools");
        // The pack builds into a folder of its own, so it never races the build the other tests run from.
        var pack = Run("dotnet", RepoPaths.Root, null, "pack", "Emu.Cli", "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(_dir, "artifacts"));
        pack.ExitCode.Should().Be(0, pack.Output);

        var env = new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = Path.Combine(_dir, "home") };
        var install = Run("dotnet", _dir, env, "tool", "install", "emu", "--tool-path", tools, "--add-source", feed);
        install.ExitCode.Should().Be(0, install.Output);

        var hello = Run(Path.Combine(tools, "emu"), RepoPaths.Root, env, "run", "guest-images/demos/hello.bin");
        hello.Should().Be((0, "Hello from Emu!\n"));
        // emu test runs in the Emu.Tooling library: the package carries it too.
        var test = Run(Path.Combine(tools, "emu"), RepoPaths.Root, env, "test", "guest-images/demos/hello.asm");
        test.Should().Be((0, "PASS guest-images/demos/hello.asm\n1 passed, 0 failed\n"));

        // The tool is self-contained with its framework trimmed: what emu reaches through reflection (JSON rows,
        // the help CommandLineParser writes from the option attributes, a snapshot's fields) must have survived.
        string trace = Path.Combine(_dir, "trace.jsonl"), snapshot = Path.Combine(_dir, "hello.snap");
        var traced = Run(Path.Combine(tools, "emu"), RepoPaths.Root, env, "run", "guest-images/demos/hello.bin", "--trace", trace, "--trace-format", "jsonl", "--save-snapshot", snapshot);
        traced.Should().Be((0, "Hello from Emu!\n"));
        using (var first = System.Text.Json.JsonDocument.Parse(File.ReadLines(trace).First()))
            first.RootElement.GetProperty("kind").GetString().Should().Be("exit");
        Run(Path.Combine(tools, "emu"), RepoPaths.Root, env, "run", "guest-images/demos/hello.bin", "--load-snapshot", snapshot).ExitCode.Should().Be(0);

        // The runtime's own start-up code (AppContext.Setup, the casting and statics helpers, thread start) is
        // precompiled, not JIT-compiled at every start: the trimmer keeps CoreLib's descriptors for the ReadyToRun
        // compiler (Emu.Cli.csproj). Without them about 85 methods were compiled here; with them 16, emu's own
        // [AggressiveOptimization] run loop and exit path among them.
        string jitList = Path.Combine(_dir, "jit.txt");
        var jitEnv = new Dictionary<string, string>(env) { ["DOTNET_JitStdOutFile"] = jitList, ["DOTNET_JitDisasmSummary"] = "1" };
        Run(Path.Combine(tools, "emu"), RepoPaths.Root, jitEnv, "run", "guest-images/demos/hello.bin").Should().Be((0, "Hello from Emu!\n"));
        var compiled = File.ReadAllLines(jitList);
        compiled.Should().NotContain(line => line.Contains("System.AppContext:Setup") || line.Contains("CastHelpers:") || line.Contains("StaticsHelpers:"));
        compiled.Length.Should().BeLessThan(30, string.Join('\n', compiled));

        var help = Run(Path.Combine(tools, "emu"), RepoPaths.Root, env, "run", "--help");
        help.ExitCode.Should().Be(0);
        help.Output.Should().Contain("--load-address").And.Contain("(Default: 0000:7C00)");
    }
}
