using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

public class CliTests
{
    [Fact]
    public void Run_boots_the_shipped_hello_image()
    {
        var r = EmuProcess.Run("run", "guest-images/demos/hello.bin");

        r.ExitCode.Should().Be(0);
        r.Stdout.Should().Be("Hello from Emu!\n");
        r.Stderr.Should().BeEmpty();
    }

    [Fact]
    public void Cpus_states_per_model_where_it_differs_in_real_mode()
    {
        var r = EmuProcess.Run("cpus");

        r.ExitCode.Should().Be(0);
        // One block per model: its header line, then its indented rules.
        string[] blocks = System.Text.RegularExpressions.Regex.Split(r.Stdout.TrimEnd(), @"\n(?=\S)");
        blocks.Select(b => b.Split(' ')[0]).Should().Equal("8086", "186", "286", "386");
        foreach (var topic in new[] { "LOCK", "offset FFFF", "PUSH SP", "shift counts", "undefined opcodes", "instruction length", "address lines", "segment registers" })
            blocks.Should().OnlyContain(b => b.Contains("\n      " + topic), $"every model states its {topic} rule");
        blocks[2].Should().Contain("interrupt 13 in every segment").And.Contain("at most 10 bytes");
        blocks[3].Should().Contain("only before a lockable instruction");
    }

    [Fact]
    public void Run_with_stats_prints_the_exit_table_on_stderr()
    {
        var r = EmuProcess.Run("run", "guest-images/demos/platform.bin", "--stats");

        r.ExitCode.Should().Be(33);
        r.Stderr.Should().Contain("VM exits").And.Contain("uart-com1").And.Contain("pic-master");
        r.Stderr.Should().EndWith("emu: guest exited: it wrote 16 to isa-debug-exit (port F4h), so the status is (16 << 1) | 1 = 33\n");
    }

    [Fact]
    public void Stats_show_how_much_ran_in_compiled_blocks()
    {
        // The ALU loop is one block that loops inside its method: all but POST and the loop's first passes run compiled.
        var r = EmuProcess.Run("run", "guest-images/bench/alu.bin", "--stats", "--max-instructions", "3000000");

        var share = System.Text.RegularExpressions.Regex.Match(r.Stderr, @"in compiled blocks +([\d,]+) +([\d.]+) % of them, ([\d.]+) per block entry");
        share.Success.Should().BeTrue(r.Stderr);
        long.Parse(share.Groups[1].Value.Replace(",", "")).Should().BeInRange(2_900_000, 3_000_000);
        double.Parse(share.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(10_000);
        r.Stderr.Should().MatchRegex(@"blocks compiled +1  11 instructions, 0 of them handler calls");
    }

    [Fact]
    public void Serial_output_goes_to_a_file()
    {
        using var file = TempFile.With();
        var r = EmuProcess.Run("run", "guest-images/demos/platform.bin", "--serial", file.Path, "--debugcon", "none");
        r.Stdout.Should().BeEmpty();
        File.ReadAllText(file.Path).Should().StartWith("platform: PIC and PIT programmed\ntick 1\n");
    }

    [Fact]
    public void Max_instructions_ends_the_run_with_124()
    {
        var r = EmuProcess.Run("run", "guest-images/demos/platform.bin", "--max-instructions", "50");

        r.ExitCode.Should().Be(124);
        r.Stderr.Should().Contain("--max-instructions");
    }

    [Theory]
    [InlineData("text")]
    [InlineData("jsonl")]
    [InlineData("chrome")]
    public void Each_trace_format_is_written(string format)
    {
        using var file = TempFile.With();
        var r = EmuProcess.Run("run", "guest-images/demos/hello.bin", "--trace", file.Path, "--trace-format", format);
        r.ExitCode.Should().Be(0);
        File.ReadAllText(file.Path).Should().Contain("debugcon", $"the {format} trace shows the debug-console exits");
    }

    [Theory]
    [InlineData(new[] { "run", "missing.bin" }, 1, "does not exist")]
    [InlineData(new[] { "run" }, 2, "missing")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--cpu", "68000" }, 2, "unknown CPU model")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--memory", "9999" }, 2, "--memory")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--max-instructions", "0" }, 2, "--max-instructions")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--timeout", "-1" }, 2, "--timeout")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--trace-format", "xml", "--trace", "t" }, 2, "--trace-format")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--trace-events", "exits,bogus" }, 2, "bogus")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--trace", "/nonexistent-dir/t.txt" }, 1, "cannot write")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--trace", "guest-images" }, 1, "--trace: cannot write")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--serial", "guest-images" }, 1, "--serial: cannot write")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--memory", "15" }, 2, "--memory 15 is out of range")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--max-instructions", "-5" }, 2, "--max-instructions")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--timeout", "abc" }, 2, "--timeout")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--bios", "guest-images/demos/hello.bin" }, 1, "must be exactly 65,536")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--load-address", "7C00" }, 2, "--load-address")]
    [InlineData(new[] { "run", "guest-images" }, 1, "directory")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--frobnicate" }, 2, "unknown option")]
    [InlineData(new[] { "launch" }, 2, "unknown command")]
    [InlineData(new[] { "conformance", "/nonexistent" }, 1, "does not exist")]
    [InlineData(new[] { "disasm", "missing.bin" }, 1, "does not exist")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--disk", "missing.img" }, 1, "disk image 'missing.img' does not exist")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--disk", "guest-images" }, 1, "is a directory")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--disk", "guest-images/demos/hello.bin,fast" }, 2, "unknown option 'fast'")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--disk", "guest-images/demos/hello.bin,cache=none" }, 2, "unknown cache mode 'none'")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--disk", ",readonly" }, 2, "no file name")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--disk", "guest-images/demos/hello.bin,readonly", "--disk", "guest-images/demos/hello.bin,readonly" }, 1, "attached twice")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--disk", "a", "--disk", "b", "--disk", "c", "--disk", "d", "--disk", "e" }, 2, "at most 4 disks")]
    // Issue 15: each of these crashed, hung, destroyed data or said something misleading before.
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--memory", "16" }, 1, "does not fit in memory at 0000:7C00: it would occupy 07C00-07DFF, and 07C00 is above the top of RAM (04000: 16 KiB, --memory)")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--trace", "/tmp" }, 1, "--trace: cannot write '/tmp': it is a directory")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--device-timeout", "0" }, 2, "--device-timeout 0 is out of range: give more than 0 and at most 3600 seconds")]
    [InlineData(new[] { "device-server", "--socket", "/nonexistent-dir/s", "--disk", "guest-images/demos/hello.bin" }, 1, "--socket: the folder '/nonexistent-dir' of the socket '/nonexistent-dir/s' does not exist")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--device-process", "/nonexistent-dir/s" }, 1, "--device-process: the folder '/nonexistent-dir' of the socket")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--keys", "Zoë" }, 2, "--keys: the US keyboard has no key for 'ë' (U+00EB)")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--keys", @"a\x0Db" }, 2, @"--keys: the US keyboard has no key for \x0D")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--keys", @"a\qb" }, 2, @"--keys: unknown escape '\qb' (use \n, \r, \t, \b, \e, \\ or \xHH)")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--serial-input", @"\x4" }, 2, @"--serial-input: unknown escape '\x4'")]
    // boot, the firmware options and test
    [InlineData(new[] { "boot", "missing.img" }, 1, "does not exist")]
    [InlineData(new[] { "boot" }, 2, "missing")]
    [InlineData(new[] { "boot", "guest-images" }, 1, "directory")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--floppy", "guest-images/demos/hello.bin" }, 1, "not a floppy size")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--disk", "missing.img" }, 1, "does not exist")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--disk", "x.img,bogus" }, 2, "unknown option 'bogus'")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--bios-disk", "scsi" }, 2, "--bios-disk")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--bios-disk", "pio,dma" }, 2, "--bios-disk 'pio,dma' is not pio, dma, virtio or hypercall")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--bios-disk", "1" }, 2, "--bios-disk '1' is not")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--bios", "guest-images/demos/hello.bin" }, 1, "64 KiB")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--load-address", "F000:0000" }, 1, "firmware")]
    [InlineData(new[] { "test", "missing-dir" }, 1, "does not exist")]
    public void Bad_input_gives_one_line_and_a_documented_status(string[] args, int status, string fragment)
    {
        EmuProcess.Run(args).ShouldBeOneLineError(status, fragment);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("boot")]
    public void An_empty_program_or_image_is_refused(string verb)
    {
        using var file = TempFile.With();
        EmuProcess.Run(verb, file.Path).ShouldBeOneLineError(1, "is empty");
    }

    [Theory]
    [InlineData("8086")]
    [InlineData("186")]
    [InlineData("286")]
    [InlineData("386")]
    public void A_guest_that_executes_garbage_ends_cleanly(string cpu)
    {
        var garbage = new byte[4096];
        new Random(1234).NextBytes(garbage);
        using var file = TempFile.With(garbage);

        var r = EmuProcess.Run("run", file.Path, "--cpu", cpu, "--max-instructions", "200000", "--debugcon", "none");

        r.ExitCode.Should().BeOneOf([0, 3, 4, 124], $"garbage on the {cpu} ends as a guest event");
        r.Stderr.Should().NotContain("   at ");
    }

    [Fact]
    public void Help_lists_the_verbs()
    {
        var r = EmuProcess.Run("help");

        r.ExitCode.Should().Be(0);
        r.Stdout.Should().Contain("run").And.Contain("conformance").And.Contain("disasm");
    }
}

public class ScreenshotTests
{
    [Fact]
    public void Screenshot_writes_the_mode13_window_as_a_png()
    {
        using var file = TempFile.Named(".png");
        var r = EmuProcess.Run("run", "guest-images/demos/mode13.bin", "--screenshot", file.Path);
        r.ExitCode.Should().Be(0);
        r.Stdout.Should().Be("mode13: drawn\n");
        var png = File.ReadAllBytes(file.Path);
        png[..4].Should().Equal(0x89, 0x50, 0x4E, 0x47);
        png[16..24].Should().Equal(new byte[] { 0, 0, 1, 0x40, 0, 0, 0, 0xC8 }, "the image is 320 x 200");
    }

    // The reference was rendered by Emu and checked by eye: the demo's lines in grey on black, its
    // title bar white on blue, the cursor under the line after "Hello, Emu!".
    [Fact]
    public void A_text_mode_screenshot_draws_the_characters_colours_and_cursor_of_the_screen()
    {
        using var file = TempFile.Named(".png");
        var r = EmuProcess.Run("boot", "guest-images/demos/bootdemo.bin", "--keys", "Emu\\n", "--screenshot", file.Path);
        r.ExitCode.Should().Be(0, r.Stderr);
        var shot = PngPixels.Read(File.ReadAllBytes(file.Path));
        var reference = PngPixels.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests", "Emu.Cli.Tests", "References", "bootdemo-screen.png")));
        (shot.Width, shot.Height).Should().Be((640, 400), "80x25 cells of 8x16 pixels");
        shot.Rgb.Should().Equal(reference.Rgb);
        shot[0, 0].Should().Be(((byte)0, (byte)0, (byte)0xAA), "the title bar's background is blue");
    }

    [Fact]
    public void Screen_in_a_graphics_mode_says_there_is_no_text_instead_of_printing_a_blank_screen()
    {
        var r = EmuProcess.Run("run", "guest-images/demos/mode13.bin", "--screen");
        r.ExitCode.Should().Be(0);
        r.Stdout.Should().Be("mode13: drawn\n", "nothing but the guest's own output");
        r.Stderr.Should().Be("emu: --screen: the guest is in video mode 13h (320x200 graphics, 256 colours), which has no text to print; --screenshot FILE.png draws it\n");
    }

    [Fact]
    public void A_screenshot_of_a_mode_it_cannot_draw_is_refused_in_one_line_and_writes_nothing()
    {
        string file = Path.Combine(Path.GetTempPath(), $"emu-shot-{Guid.NewGuid():N}.png");
        var r = EmuProcess.Run("run", "guest-images/tests/video-unknown-mode.bin", "--screenshot", file);
        r.ShouldBeOneLineError(1, "video mode 12h");
        File.Exists(file).Should().BeFalse();
    }
}
