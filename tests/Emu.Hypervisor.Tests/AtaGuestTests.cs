using Emu.Tooling.GuestTests;

namespace Emu.Hypervisor.Tests;

/// <summary>
/// The ATA test programs of guest-images/tests/ata, run bare at 0000:7C00 with a temporary copy of the
/// test disk as the primary master: the debug console must show exactly the program's
/// <c>; expect-output:</c> lines and the run end with its <c>; expect-exit:</c> status; the programs that
/// write must leave exactly the expected bytes in the image file and nothing else changed.
/// </summary>
public sealed class AtaGuestTests : IDisposable
{
    private const int SectorSize = 512;
    private static string AtaDir => Path.Combine(RepoPaths.GuestImages, "tests", "ata");
    private readonly TempFile _image = TempFile.CopyOf(Path.Combine(AtaDir, "disk.img"));

    public void Dispose() => _image.Dispose();

    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var asm in Directory.GetFiles(AtaDir, "*.asm").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(asm));
        return data;
    }

    [Fact]
    public void The_shipped_disk_is_the_documented_pattern()
    {
        byte[] disk = File.ReadAllBytes(Path.Combine(AtaDir, "disk.img"));
        disk.Length.Should().Be(2048 * SectorSize);
        for (int s = 0; s < 2048; s++)
            disk.AsSpan(s * SectorSize, SectorSize).SequenceEqual(PatternSector(s)).Should().BeTrue($"sector {s} follows tools/make-ata-test-disk.py");
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Program_prints_what_its_header_expects(string program)
    {
        var expect = GuestExpectations.Read(Path.Combine(AtaDir, program + ".asm"));
        expect.Output.Should().NotBeEmpty($"{program}.asm lists its expected output");

        using var run = new GuestRunner($"tests/ata/{program}.bin", disks: [new DiskSpec(_image.Path)], serialInput: program.StartsWith("flush-wait", StringComparison.Ordinal) ? "q" : null);
        var outcome = run.Run(new RunLimits { MaxInstructions = 200_000_000 });

        run.Console.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(expect.Output);
        outcome.End.Should().Be(RunEnd.DebugExit, outcome.Message);
        outcome.ExitCode.Should().Be(expect.ExpectedExit);
    }

    [Theory]
    [InlineData("write", 100, 2, 0x40)]
    [InlineData("write", 102, 1, 0x90)]
    [InlineData("multiple", 300, 20, 0x11)]
    [InlineData("dma", 600, 8, 0x33)]
    [InlineData("flush-wait", 50, 1, 0x77)]
    [InlineData("flush-wait-dma", 60, 2, 0x5A)]
    [InlineData("flush-wait-dma", 70, 1, 0xC3)]
    public void Writes_reach_the_image_file_and_touch_nothing_else(string program, int lba, int count, int seed)
    {
        using (var run = new GuestRunner($"tests/ata/{program}.bin", disks: [new DiskSpec(_image.Path)], serialInput: "q"))
            run.Run(new RunLimits { MaxInstructions = 200_000_000 }).End.Should().Be(RunEnd.DebugExit);

        byte[] after = File.ReadAllBytes(_image.Path);
        after.Length.Should().Be(2048 * SectorSize, "the image keeps its size");
        byte[] written = new byte[count * SectorSize];
        for (int i = 0; i < written.Length; i++)
            written[i] = (byte)(seed + 5 * i);
        after.AsSpan(lba * SectorSize, written.Length).SequenceEqual(written).Should().BeTrue($"sectors {lba}..{lba + count - 1} hold what {program} wrote");

        var touched = WrittenSectors(program);
        for (int s = 0; s < 2048; s++)
        {
            if (!touched.Contains(s))
                after.AsSpan(s * SectorSize, SectorSize).SequenceEqual(PatternSector(s)).Should().BeTrue($"{program} must not change sector {s}");
        }
    }

    [Fact]
    public void A_readonly_disk_aborts_writes_and_the_file_is_unchanged()
    {
        using (var run = new GuestRunner("tests/ata/write.bin", disks: [new DiskSpec(_image.Path, ReadOnly: true)]))
        {
            run.Run(new RunLimits { MaxInstructions = 50_000_000 });
            run.Console.Should().Contain("pio-out: no data request, status=41 error=04");
        }
        File.ReadAllBytes(_image.Path).Should().Equal(File.ReadAllBytes(Path.Combine(AtaDir, "disk.img")));
    }

    [Fact]
    public void Device_events_reach_the_trace()
    {
        var trace = new StringWriter();
        using var run = new GuestRunner("tests/ata/pio.bin", trace: trace, disks: [new DiskSpec(_image.Path)]);
        run.Run();

        string text = trace.ToString();
        text.Should().Contain("ata0 READ SECTORS lba=5 count=3");
        text.Should().Contain("ata0 READ SECTORS EXT lba=1000 count=2");
        text.Should().Contain("ata0 READ SECTORS chs=0/1/1 count=1");
        text.Should().Contain("ata0-master backend read offset=2560 length=512");
        text.Should().Contain("irq irq14 raised");
        text.Should().NotContain(" ns]", "host time is only measured with --trace-host-time");
    }

    [Fact]
    public void An_untraced_machine_detaches_the_observers()
    {
        using var run = new GuestRunner("tests/ata/pio.bin", trace: new StringWriter(), disks: [new DiskSpec(_image.Path)]);
        run.Machine.Ata.Events.Should().NotBeNull();
        run.Machine.Tracer = null;
        run.Machine.Ata.Events.Should().BeNull();
        run.Run().End.Should().Be(RunEnd.DebugExit);
    }

    private static HashSet<int> WrittenSectors(string program) => program switch
    {
        "write" => [100, 101, 102],
        "multiple" => [.. Enumerable.Range(300, 20)],
        "dma" => [.. Enumerable.Range(600, 8)],
        "flush-wait" => [50],
        "flush-wait-dma" => [60, 61, 70],
        _ => [],
    };

    internal static byte[] PatternSector(int s)
    {
        var data = new byte[SectorSize];
        for (int i = 0; i < SectorSize; i++)
            data[i] = (byte)(s * 7 + i);
        BitConverter.TryWriteBytes(data.AsSpan(0, 4), s);
        return data;
    }
}
