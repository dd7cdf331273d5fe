using Emu.Tooling.Bench;

namespace Emu.Cli.Tests;

/// <summary>The one median every benchmark and `emu report` use (host times of repeated runs).</summary>
public class MedianTests
{
    [Fact]
    public void An_odd_count_gives_the_middle_run() => Median.Of([30L, 10L, 20L]).Should().Be(20);

    [Fact]
    public void An_even_count_gives_the_mean_of_the_two_middle_runs_for_ticks_as_for_seconds()
    {
        Median.Of([40L, 10L, 20L, 1000L]).Should().Be(30, "emu report --runs 4 leans towards neither half");
        Median.Of([4.0, 1.0, 2.0, 100.0]).Should().Be(3.0);
    }
}
