using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// The assigned model of issue 18 with real processes: one `emu device-server --device assigned` (a physical function
/// with four virtual functions over one image) and several `emu run` guests, each driving its VF through
/// guest-images/include/assigned-vf.inc. The guests' checksums are checked against the image's windows, their exits
/// against the request count, and hostile guests against victims that keep running.
/// </summary>
public sealed partial class AssignedDeviceCliTests : IDisposable
{
    private const int Functions = 4, WindowSectors = 512, Sector = 512;
    private static readonly string ReadWindow = Path.Combine("guest-images", "assigned", "read-window.bin");
    private static readonly string Hostile = Path.Combine("guest-images", "assigned", "hostile.bin");

    private readonly TempFolder _dir = new("emu-assigned-");
    private readonly byte[] _image;

    public AssignedDeviceCliTests()
    {
        _image = new byte[Functions * WindowSectors * Sector];
        new Random(18).NextBytes(_image);
        File.WriteAllBytes(ImagePath, _image);
    }

    public void Dispose() => _dir.Dispose();

    private string ImagePath => _dir["shared.img"];
    private string Socket => _dir["assigned.sock"];

    private RunningEmu StartServer()
    {
        var server = new RunningEmu("device-server", "--socket", Socket, "--disk", ImagePath, "--device", "assigned", "--guests", $"{Functions}");
        server.WaitForLine(l => l.Contains("listening on"), "its ready line");
        return server;
    }

    /// <summary>read-window's checksum: c = rol(c, 5) + d over the dwords of the bytes.</summary>
    private static uint Checksum(ReadOnlySpan<byte> bytes)
    {
        uint c = 0;
        for (int i = 0; i < bytes.Length; i += 4)
            c = uint.RotateLeft(c, 5) + BinaryPrimitives.ReadUInt32LittleEndian(bytes[i..]);
        return c;
    }

    private uint WindowChecksum(int vf, int sectors = WindowSectors) =>
        Checksum(_image.AsSpan(vf * WindowSectors * Sector, sectors * Sector));

    private EmuProcess.Result Guest(string program, string input) =>
        EmuProcess.Run("run", program, "--device-process", Socket, "--serial-input", input, "--stats");

    /// <summary>The guest's exits other than its printing (the debug console's are one per character, and the lines
    /// differ in length) and its ending (a guest stopped from outside never writes the debug-exit port).</summary>
    private static long ExitsBesidesPrinting(string stats) =>
        Count(VmExits().Match(stats)) - PrintingAndEnding().Matches(stats).Sum(Count);

    private static long Count(Match m) => Count(m.Groups[1]);

    private static long Count(Group g) => long.Parse(g.Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Four_guests_on_the_assigned_model_read_their_own_windows_right_with_no_exit_per_request()
    {
        using var server = StartServer();
        // Four guests at once, each holding its VF (the physical function hands out the lowest free one) while it
        // reads its window again and again.
        var guests = new List<RunningEmu>();
        try
        {
            for (int vf = 0; vf < Functions; vf++)
            {
                var guest = new RunningEmu("run", ReadWindow, "--device-process", Socket, "--serial-input", "v", "--stats");
                guests.Add(guest);
                guest.WaitForLine(l => l == "victim ready", $"guest {vf} ready");
            }
            for (int vf = 0; vf < Functions; vf++)
                guests[vf].WaitForLine(l => l.StartsWith("pass 4,", StringComparison.Ordinal), $"guest {vf}'s first progress line");
            var exits = new List<long>();
            var requests = new List<long>();
            for (int vf = 0; vf < Functions; vf++)
            {
                SendSignal(guests[vf].Process.Id, 15).Should().Be(0);
                guests[vf].WaitForExit();
                string stats = await guests[vf].Stderr;
                guests[vf].Lines.Where(l => l.StartsWith("pass ", StringComparison.Ordinal)).Should().OnlyContain(
                    l => l.EndsWith($"checksum {WindowChecksum(vf):X8}", StringComparison.Ordinal), $"vf{vf} reads image sectors {vf * WindowSectors} on");
                var line = AssignedStats().Match(stats);
                line.Success.Should().BeTrue(stats);
                line.Groups["vf"].Value.Should().Be($"{vf}");
                line.Groups["faults"].Value.Should().Be("0");
                requests.Add(Count(line.Groups["requests"]));
                exits.Add(ExitsBesidesPrinting(stats));
            }
            requests.Should().OnlyContain(r => r >= 32, "each guest read its 512-sector window at least 4 times in requests of 64 sectors");

            // One guest alone with 4 requests: the same exits as the four that made hundreds each. Traced: from the
            // doorbell the device saw to the posted interrupt the guest took, the device's work and its IOMMU
            // translations, and no exit.
            string trace = _dir["trace.txt"];
            var few = EmuProcess.Run("run", ReadWindow, "--device-process", Socket, "--serial-input", "d", "--stats", "--trace", trace);
            few.ExitCode.Should().Be(1, few.Stdout + few.Stderr);
            few.Stdout.Should().Contain("requests 4,").And.Contain($"checksum {WindowChecksum(0):X8}");
            exits.Should().AllBeEquivalentTo(ExitsBesidesPrinting(few.Stderr), "a request on the assigned model takes no VM exit");
            var events = File.ReadAllLines(trace).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 5)..].Trim()).ToList();
            int doorbell = events.FindIndex(e => e.StartsWith("device    vf0 doorbell 1 seen", StringComparison.Ordinal));
            int taken = events.FindIndex(e => e == "interrupt external vector 60h");
            doorbell.Should().BeGreaterThan(0, string.Join('\n', events));
            taken.Should().BeGreaterThan(doorbell);
            var between = events[doorbell..taken];
            between.Should().NotContain(e => e.StartsWith("exit", StringComparison.Ordinal), "the doorbell, the DMA and the interrupt pass without the VMM");
            between.Should().Contain(e => e.StartsWith("device    vf0 iommu: read IOVA 1000 → host 201000 (16 bytes, submission entry)", StringComparison.Ordinal));
            between.Should().Contain("device    vf0 read lba=0 sectors=128 buffer=20000");
            between.Should().Contain(e => e.StartsWith("device    vf0 iommu: write IOVA 20000 → host 220000", StringComparison.Ordinal));
            // The device's trace lines come on their own datagram socket, the posted interrupt on another: the completion
            // is noted before the vector is posted, but its line may be written just after the interrupt is taken.
            events[doorbell..].Should().Contain("device    vf0 completion 0: tag 0 Ok");
            events.Skip(doorbell).Should().Contain("device    vf0 posts interrupt vector 60h",
                "the device's own line of the posting (it reaches the VMM on its own, so it may follow the vector's)");
            between[^1].Should().StartWith("device    posted-interrupts vector 60h pending");
        }
        finally
        {
            foreach (var guest in guests)
                guest.Dispose();
        }
    }

    [Fact]
    public void A_guest_halted_for_its_posted_interrupt_is_woken_by_it()
    {
        using var server = StartServer();
        // Every 8259 input masked, each completion waited for with STI; HLT: only the posted interrupt can wake the
        // CPU. Before the halt loop waited on the notification, this run ended as a deadlock (status 0, nothing read).
        // Three runs: a completion slower than the time to the next (masked) timer deadline, or one posted during
        // STI's shadow, ended a run as a deadlock in about one run in three before the wait covered both.
        for (int run = 0; run < 3; run++)
        {
            var r = Guest(ReadWindow, "h");
            r.ExitCode.Should().Be(1, r.Stdout + r.Stderr);
            r.Stdout.Should().Contain($"checksum {WindowChecksum(0):X8}");
            var irqs = Regex.Match(r.Stdout, @"interrupts (\d+)");
            irqs.Success.Should().BeTrue(r.Stdout);
            Count(irqs).Should().BeGreaterThanOrEqualTo(8, "each of the 8 requests of 64 sectors woke the halted CPU with its posted vector");
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    [Fact]
    public void Hostile_guests_get_an_error_status_and_a_counted_fault_while_the_victims_run_on_untouched()
    {
        using var server = StartServer();
        // Two victims, on VFs 0 and 1 (the physical function hands out the lowest free VF), reading and checking their
        // windows and canaries until stopped.
        using var victim0 = new RunningEmu("run", ReadWindow, "--device-process", Socket, "--serial-input", "v");
        victim0.WaitForLine(l => l == "victim ready", "victim 0 ready");
        using var victim1 = new RunningEmu("run", ReadWindow, "--device-process", Socket, "--serial-input", "v");
        victim1.WaitForLine(l => l == "victim ready", "victim 1 ready");
        victim0.WaitForLine(l => l.StartsWith("pass ", StringComparison.Ordinal), "victim 0's progress");
        victim1.WaitForLine(l => l.StartsWith("pass ", StringComparison.Ordinal), "victim 1's progress");

        // Two hostile guests at once (on VFs 2 and 3), each making its attacks in turn; what each attack must get:
        // status 3 is an IOMMU fault, 2 outside the window; error 2 a submission-ring fault, 4 a doorbell overrun;
        // for the reset, how many requests it aborted (some).
        (string Input, string[] Answers, int IommuFaults)[] lanes =
        [
            ("o x0 w1 d0", ["o03", "x03", "w03", "d02"], 4),
            ("x1 l r f", ["x03", "l02", "r", "f04"], 1),
        ];
        var results = new EmuProcess.Result[lanes.Length];
        Parallel.For(0, lanes.Length, i => results[i] = Guest(Hostile, lanes[i].Input));

        int[] spare = [2, 3];
        for (int i = 0; i < lanes.Length; i++)
        {
            var (input, answers, iommuFaults) = lanes[i];
            var r = results[i];
            r.ExitCode.Should().Be(1, $"attacks {input}: {r.Stdout}{r.Stderr}");
            var lines = HostileReport().Matches(r.Stdout);
            lines.Select(m => m.Groups["attack"].Value + m.Groups["answer"].Value).Zip(answers)
                .Should().OnlyContain(p => p.First.StartsWith(p.Second, StringComparison.Ordinal), r.Stdout);
            lines.Should().HaveCount(answers.Length, r.Stdout);
            lines.Select(m => m.Groups["checksum"].Value).Distinct().Should().ContainSingle()
                .Which.Should().BeOneOf(spare.Select(vf => $"{WindowChecksum(vf, 8):X8}"), "after each attack the VF was reset and read its own window");
            var stats = AssignedStats().Match(r.Stderr);
            stats.Success.Should().BeTrue(r.Stderr);
            Count(stats.Groups["faults"]).Should().Be(iommuFaults, $"attacks {input}: each DMA outside the guest's memory is one counted IOMMU fault");
            Count(stats.Groups["errors"]).Should().BeGreaterThanOrEqualTo(answers.Length - iommuFaults, $"attacks {input}: the others are counted errors");
        }

        // The victims kept going and found their data and canaries intact; nobody wrote the image.
        foreach (var victim in new[] { victim0, victim1 })
        {
            int before = victim.Lines.Count(l => l.StartsWith("pass ", StringComparison.Ordinal));
            victim.WaitForLine(l => l.StartsWith("pass ", StringComparison.Ordinal) && victim.Lines.Count(p => p.StartsWith("pass ", StringComparison.Ordinal)) > before,
                "a victim's progress after the attacks");
            victim.Process.HasExited.Should().BeFalse(string.Join('\n', victim.Lines));
            victim.Lines.Where(l => l.StartsWith("read-window:", StringComparison.Ordinal)).Should().BeEmpty();
        }
        victim0.Lines.Where(l => l.StartsWith("pass ", StringComparison.Ordinal)).Should().OnlyContain(l => l.EndsWith($"{WindowChecksum(0):X8}", StringComparison.Ordinal));
        victim1.Lines.Where(l => l.StartsWith("pass ", StringComparison.Ordinal)).Should().OnlyContain(l => l.EndsWith($"{WindowChecksum(1):X8}", StringComparison.Ordinal));
        File.ReadAllBytes(ImagePath).Should().Equal(_image, "the write from a victim's memory moved nothing");
    }

    [GeneratedRegex(@"VM exits\s+([\d,]+)")]
    private static partial Regex VmExits();

    [GeneratedRegex(@"^(?:debugcon|debug-exit)\s+([\d,]+)", RegexOptions.Multiline)]
    private static partial Regex PrintingAndEnding();

    [GeneratedRegex(@"hostile (?<attack>\w): answer (?<answer>[0-9A-F]{2}), recovered, checksum (?<checksum>[0-9A-F]{8})")]
    private static partial Regex HostileReport();

    [GeneratedRegex(@"assigned vf(?<vf>\d): (?<requests>[\d,]+) requests, [\d,]+ doorbells seen, IOMMU [\d,]+ translations and (?<faults>[\d,]+) faults \([\d,]+ pages mapped\), (?<errors>[\d,]+) other errors")]
    private static partial Regex AssignedStats();
}
