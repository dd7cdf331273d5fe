using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// An output that is also an input (--trace onto the disk image, the program or the firmware; two outputs onto
/// one file) is refused before the run starts and the input is left as it was, however the name is spelt (a
/// symbolic link, '..', a hard link). Two runs never write one trace file at once.
/// </summary>
public sealed class OutputInputClashTests : IDisposable
{
    private const string Hello = "guest-images/demos/hello.bin";
    private readonly TempFolder _dir = new("emu-clash-");
    private readonly string _image;
    private readonly byte[] _original;

    public OutputInputClashTests()
    {
        _image = _dir["disk.img"];
        File.Copy(Path.Combine(RepoPaths.GuestImages, "tests", "ata", "disk.img"), _image);
        _original = File.ReadAllBytes(_image);
    }

    public void Dispose() => _dir.Dispose();

    private void ImageIsUntouched() => File.ReadAllBytes(_image).Should().Equal(_original, "an input is never written by an output option");

    [Theory]
    [InlineData("--trace")]
    [InlineData("--debugcon")]
    [InlineData("--serial")]
    [InlineData("--screenshot")]
    public void An_output_onto_the_disk_image_is_refused_and_the_image_is_untouched(string option)
    {
        EmuProcess.Run("run", Hello, "--disk", _image, option, _image)
            .ShouldBeOneLineError(2, $"{option}: '{_image}' is the disk image '{_image}'; writing it would destroy an input");
        ImageIsUntouched();
    }

    [Fact]
    public void The_same_file_under_another_name_is_still_refused()
    {
        string link = _dir["link.img"];
        File.CreateSymbolicLink(link, _image);
        string hard = _dir["hard.img"];
        using (var ln = System.Diagnostics.Process.Start("ln", [_image, hard]))
            ln.WaitForExit();
        string dotted = Path.Combine(_dir.Path, "..", Path.GetFileName(_dir.Path), "disk.img");

        foreach (string alias in new[] { link, hard, dotted })
        {
            EmuProcess.Run("run", Hello, "--disk", _image, "--trace", alias).ShouldBeOneLineError(2, "writing it would destroy an input");
            EmuProcess.Run("boot", alias, "--trace", _image).ShouldBeOneLineError(2, "writing it would destroy an input");
        }
        ImageIsUntouched();
    }

    [Fact]
    public void An_output_onto_the_program_or_the_firmware_is_refused()
    {
        string program = _dir["hello.bin"];
        File.Copy(Path.Combine(RepoPaths.Root, Hello), program);
        EmuProcess.Run("run", program, "--trace", program).ShouldBeOneLineError(2, "is the program");
        File.ReadAllBytes(program).Should().Equal(File.ReadAllBytes(Path.Combine(RepoPaths.Root, Hello)));

        string bios = _dir["bios.bin"];
        File.Copy(Path.Combine(RepoPaths.GuestImages, "firmware", "bios.bin"), bios);
        EmuProcess.Run("run", Hello, "--bios", bios, "--serial", bios).ShouldBeOneLineError(2, "is the firmware image");
        new FileInfo(bios).Length.Should().Be(65536);
    }

    [Fact]
    public void Two_outputs_onto_one_file_are_refused()
    {
        string log = _dir["out.log"];
        EmuProcess.Run("run", Hello, "--trace", log, "--serial", log).ShouldBeOneLineError(2, "is also the output of --trace");
        File.Exists(log).Should().BeFalse("nothing is created before the check");
        EmuProcess.Run("run", Hello, "--serial", "/dev/null", "--debugcon", "/dev/null").ExitCode.Should().Be(0, "a device is a stream, not a file to overwrite");
    }

    [Fact]
    public void A_trace_file_another_run_is_writing_is_refused_and_left_alone()
    {
        string trace = _dir["trace.txt"];
        // The first run waits for ever after its writes, tracing into the file.
        using var first = new RunningEmu("run", "guest-images/tests/ata/flush-wait-dma.bin", "--disk", _image, "--trace", trace);
        first.WaitForLine(l => l == "unflushed write complete", "its last line");
        long before = new FileInfo(trace).Length;

        var second = EmuProcess.Run("run", Hello, "--trace", trace, "--trace-format", "jsonl");

        second.ShouldBeOneLineError(1, $"--trace: cannot write '{trace}': another emu is writing it (the file is locked)");
        new FileInfo(trace).Length.Should().BeGreaterThanOrEqualTo(before, "the second run did not truncate it");
        first.Process.Kill();
        first.WaitForExit();
        File.ReadAllLines(trace).Should().NotBeEmpty().And.OnlyContain(l => l.StartsWith('#'),
            "the file holds the first run's text trace, none of the second run's JSON lines");
    }
}
