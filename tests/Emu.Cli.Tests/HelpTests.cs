using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>emu answers questions about itself: help per command, the version alone, shell completion.</summary>
public class HelpTests
{
    public static TheoryData<string> Verbs => new() { "run", "boot", "test", "disasm", "conformance", "cpus", "bench", "device-server", "completion" };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_command_answers_help_with_its_own_options_and_an_example(string verb)
    {
        var asked = EmuProcess.Run(verb, "--help");
        var viaHelp = EmuProcess.Run("help", verb);

        asked.ExitCode.Should().Be(0);
        asked.Stdout.Should().Be(viaHelp.Stdout, "'emu help VERB' is 'emu VERB --help'");
        asked.Stdout.Should().Contain("--help").And.Contain("Examples:").And.Contain($"  emu {verb}");
        asked.Stdout.Should().NotContain("Display more information on a specific command", "it is not the list of commands");
    }

    [Fact]
    public void Run_help_lists_its_options_with_their_dashes()
    {
        var r = EmuProcess.Run("run", "--help");
        r.Stdout.Should().Contain("  --load-address").And.Contain("  --console").And.Contain("  --screenshot");
    }

    [Fact]
    public void Version_prints_the_version_alone()
    {
        var r = EmuProcess.Run("--version");
        r.ExitCode.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^emu \d+\.\d+\.\d+\n$");
    }

    [Fact]
    public void Help_for_an_unknown_command_is_one_line()
    {
        EmuProcess.Run("help", "nosuch").ShouldBeOneLineError(2, "unknown command 'nosuch'");
    }

    [Theory]
    [InlineData("emu ru", "run")]
    [InlineData("emu run --scr", "--screen --screenshot")]
    [InlineData("emu bench --gu", "--guests")]
    [InlineData("emu help dev", "device-server")]
    public void The_bash_completion_script_completes_commands_and_options(string line, string expected)
    {
        var script = EmuProcess.Run("completion", "bash");
        script.ExitCode.Should().Be(0);
        using var file = TempFile.With();
        File.WriteAllText(file.Path, script.Stdout);
        var words = line.Split(' ');
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"source {file.Path}; COMP_WORDS=({line}); COMP_CWORD={words.Length - 1}; _emu; echo \"${{COMPREPLY[*]}}\"");
        using var bash = Process.Start(psi)!;
        string output = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        output.Trim().Should().Be(expected);
    }

    [Fact]
    public void Completion_for_another_shell_is_refused_in_one_line()
    {
        EmuProcess.Run("completion", "fish").ShouldBeOneLineError(2, "'fish' is not bash or zsh");
    }
}
