using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// `emu report`: the page is drawn by its own script from the figures it carries, so the test loads it in a real
/// browser (Debian's headless Chromium, installed by .ci/run) and reads the DOM the script built: every layer row
/// of every driver must show the instructions and exits `emu boot --layers` prints for the same run.
/// </summary>
public partial class ReportTests(FreadDisk disk) : IClassFixture<FreadDisk>
{
    private static readonly string[] Drivers = ["ata-dma", "virtio"];

    [Fact]
    public void The_page_rendered_in_chromium_shows_each_drivers_layers_as_the_run_counted_them()
    {
        using var pageFile = TempFile.Named(".html");
        string page = pageFile.Path;
        var r = EmuProcess.Run("report", disk.Fat.Path, "--file", @"c:\big.bin", "-o", page, "--runs", "1", "--drivers", string.Join(",", Drivers));
        r.ExitCode.Should().Be(0, r.Stderr);
        File.ReadAllText(page).Should().NotContainAny(["<link", " src=", "url(", "@import"], "the page is self-contained: nothing is fetched");

        string dom = RenderedDom(page);
        var cells = Cells(dom);
        foreach (string driver in Drivers)
        {
            var run = GuestOs.WithDriver(driver, disk.Fat.Path, [@"fread c:\big.bin", "exit 0"], "--layers");
            var table = LayerTable.Parse(run.Stderr);
            foreach (var row in table.Rows.Where(x => x.Instructions > 0 || x.Exits > 0))
            {
                string name = row.Name.StartsWith("outside any layer", StringComparison.Ordinal) ? "outside any layer (boot, kernel, shell)" : row.Name;
                if (row.Instructions > 0)
                    cells.Should().Contain((driver, name, "instructions"), row.Instructions.ToString("N0", CultureInfo.InvariantCulture));
                cells.Should().Contain((driver, name, "exits"), row.Exits.ToString("N0", CultureInfo.InvariantCulture));
            }
            cells.Should().Contain((driver, "total", "exits"), table.Total.Exits.ToString("N0", CultureInfo.InvariantCulture));
            cells.Should().Contain((driver, "total", "instructions"), table.Total.Instructions.ToString("N0", CultureInfo.InvariantCulture));
        }

        // The timeline of one request: FREAD's data request (100 sectors from LBA 100 of the file's first cluster
        // here), step by step as the trace saw it: the exit that starts the device, what the device and the
        // backend did, the completion interrupt, the driver left.
        var steps = TimelineSteps(dom);
        steps["ata-dma"].Should().ContainInOrder("enter driver", "exit: out ata0.command", "exit: out ata-bm.pri-cmd", "irq: irq14 raised", "leave driver");
        steps["ata-dma"].Should().Contain(s => s.StartsWith("ata0: READ DMA", StringComparison.Ordinal) && s.EndsWith("count=100", StringComparison.Ordinal));
        steps["ata-dma"].Should().Contain(s => s.StartsWith("ata0-master: backend read", StringComparison.Ordinal));
        steps["virtio"].Should().ContainInOrder("enter driver", "exit: write virtio-mmio.queue-notify", "irq: irq11 raised", "exit: write virtio-mmio.interrupt-ack", "leave driver");
        steps["virtio"].Should().Contain(s => s.StartsWith("virtio-blk-backend: backend read", StringComparison.Ordinal) && s.EndsWith("length=51200", StringComparison.Ordinal));
    }

    /// <summary>Each driver's timeline as the page drew it: the step column of every row, indentation removed.</summary>
    private static Dictionary<string, List<string>> TimelineSteps(string dom)
    {
        var steps = new Dictionary<string, List<string>>();
        foreach (Match table in TimelineTable().Matches(dom))
        {
            var rows = StepCell().Matches(table.Groups["rows"].Value)
                .Select(m => System.Net.WebUtility.HtmlDecode(m.Groups["step"].Value).Replace("\u00a0", "").Trim()).ToList();
            steps[table.Groups["driver"].Value] = rows;
        }
        return steps;
    }

    [GeneratedRegex("""<table class="timeline" data-driver="(?<driver>[^"]+)">(?<rows>.*?)</table>""", RegexOptions.Singleline)]
    private static partial Regex TimelineTable();

    [GeneratedRegex("""<tr class="step"><td class="num">[^<]*</td><td>(?<step>[^<]*)</td>""")]
    private static partial Regex StepCell();

    /// <summary>The DOM after the page's scripts ran, as Chromium serialises it.</summary>
    private static string RenderedDom(string page)
    {
        using var profile = new TempFolder("emu-chromium-");
        var psi = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={profile.Path}", "--dump-dom", new Uri(page).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string dom = p.StandardOutput.ReadToEnd();
        p.WaitForExit(120_000).Should().BeTrue("chromium renders the page");
        p.ExitCode.Should().Be(0, stderr.Result);
        return dom;
    }

    private static Dictionary<(string Driver, string Row, string Metric), string> Cells(string dom) =>
        CellPattern().Matches(dom).ToDictionary(
            m => (m.Groups[1].Value, WebUtility.HtmlDecode(m.Groups[2].Value), m.Groups[3].Value),
            m => m.Groups[4].Value);

    [GeneratedRegex("""<td class="num" data-driver="([^"]+)" data-row="([^"]+)" data-metric="([^"]+)">([^<]*)</td>""")]
    private static partial Regex CellPattern();
}
