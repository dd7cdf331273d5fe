using Emu.Tests.Shared;
namespace Emu.Cli.Tests;

/// <summary>emu test -j N: programs run side by side, their lines come out in the programs' order.</summary>
public sealed class TestJobsTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-jobs-");

    public void Dispose() => _dir.Dispose();

    // The first program is slow (a million loop iterations), the rest are quick: run side by side, the quick
    // ones finish first, and their lines must still wait for it.
    private void Programs()
    {
        File.WriteAllText(_dir["a-slow.asm"], "; expect-exit: 0\n        org 0x7C00\n        mov cx, 20\nouter:  push cx\n        mov cx, 50000\ninner:  loop inner\n        pop cx\n        loop outer\n        cli\n        hlt\n");
        for (int i = 0; i < 5; i++)
            File.WriteAllText(_dir[$"b-quick-{i}.asm"], "; expect-exit: 0\n        org 0x7C00\n        cli\n        hlt\n");
        File.WriteAllText(_dir["c-fails.asm"], "; expect-exit: 5\n        org 0x7C00\n        cli\n        hlt\n");
    }

    [Fact]
    public void Parallel_runs_print_the_same_report_in_the_same_order_as_one_at_a_time()
    {
        Programs();
        var one = EmuProcess.Run("test", _dir.Path, "-j", "1");
        var four = EmuProcess.Run("test", _dir.Path, "--jobs", "4");

        one.ExitCode.Should().Be(1, "c-fails fails");
        four.ExitCode.Should().Be(1);
        four.Stdout.Should().Be(one.Stdout);
        var lines = four.Stdout.TrimEnd('\n').Split('\n');
        lines[0].Should().Be($"PASS {_dir["a-slow.asm"]}");
        lines[^1].Should().Be("6 passed, 1 failed");
        lines.Should().HaveCount(8);
    }

    [Fact]
    public void No_progress_line_goes_to_a_pipe()
    {
        Programs();
        EmuProcess.Run("test", _dir.Path).Stderr.Should().BeEmpty("stderr is not a terminal here");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("999")]
    public void A_job_count_out_of_range_is_one_line(string jobs)
    {
        EmuProcess.Run("test", _dir.Path, "-j", jobs).ShouldBeOneLineError(2, $"--jobs {jobs} is out of range");
    }
}

/// <summary>Long work shows a progress line on a terminal, and leaves nothing of it behind.</summary>
public sealed class ProgressLineTests
{
    [Fact]
    public void A_long_run_with_progress_shows_instructions_on_a_terminal_and_wipes_the_line_at_the_end()
    {
        // jmp $: runs until --timeout, long enough for the line to appear a few times.
        using var program = TempFile.With([0xEB, 0xFE], ".bin");
        using var pane = new TmuxPane("run", program.Path, "--progress", "--timeout", "4");
        pane.WaitFor(" instructions (");
        pane.ExitStatus().Should().Be(124);
        pane.Screen().Should().NotContain(" instructions (", "the progress line is wiped before the closing message")
            .And.Contain("--timeout");
    }

    [Fact]
    public void Emu_test_on_a_terminal_shows_which_program_runs()
    {
        using var pane = new TmuxPane("test", "guest-images/tests/ata", "-j", "1");
        pane.WaitFor("] guest-images/tests/ata/");
        pane.ExitStatus().Should().Be(0);
    }

    [Fact]
    public void Progress_goes_nowhere_when_stderr_is_a_pipe()
    {
        EmuProcess.Run("run", "guest-images/demos/hello.bin", "--progress").Stderr.Should().BeEmpty();
    }
}
