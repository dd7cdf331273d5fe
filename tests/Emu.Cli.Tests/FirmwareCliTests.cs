namespace Emu.Cli.Tests;

/// <summary>emu boot, emu test and the firmware options, through the real command.</summary>
public class FirmwareCliTests
{
    [Fact]
    public void The_shipped_guest_test_suite_passes()
    {
        var r = EmuProcess.Run("test", "guest-images/tests", "guest-images/demos");

        r.Stderr.Should().BeEmpty();
        r.Stdout.Should().NotContain("FAIL");
        r.Stdout.Should().MatchRegex(@"(?m)^\d+ passed, 0 failed$");
        r.Stdout.Should().Contain("PASS guest-images/tests/bios-disk-floppy.asm").And.Contain("PASS guest-images/tests/cpu-8086-quirks.asm");
        r.ExitCode.Should().Be(0);
    }

    [Fact]
    public void A_failing_program_is_reported_and_fails_the_run()
    {
        string dir = Directory.CreateTempSubdirectory("emu-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "wrong.asm"), """
                ; expect-output: something else
                ; expect-exit: 1
                        org 0x7C00
                        mov al, 'x'
                        out 0xE9, al
                        mov al, 10
                        out 0xE9, al
                        mov al, 0
                        out 0xF4, al
                """);
            var r = EmuProcess.Run("test", dir);

            r.ExitCode.Should().Be(1);
            r.Stdout.Should().Contain("FAIL").And.Contain("output line 1 was 'x', expected 'something else'");
            r.Stdout.Should().EndWith("0 passed, 1 failed\n");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Boot_shows_the_demo_screen()
    {
        var r = EmuProcess.Run("boot", "guest-images/demos/bootdemo.bin", "--screen", "--keys", "Emu\\n");

        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stdout.Should().Contain("Emu boot demo").And.Contain("Hello, Emu!");
    }

    [Fact]
    public void Stats_list_the_bios_calls_the_firmware_lacks()
    {
        var r = EmuProcess.Run("run", "guest-images/tests/bios-system.bin", "--stats", "--debugcon", "none");

        r.ExitCode.Should().Be(1);
        r.Stderr.Should().Contain("unsupported BIOS call INT 10/AH=55").And.Contain("INT 15/AH=EE");
    }

    [Fact]
    public void Run_without_firmware_still_starts_bare()
    {
        var r = EmuProcess.Run("run", "guest-images/demos/hello.bin", "--no-firmware");

        r.ExitCode.Should().Be(0);
        r.Stdout.Should().Be("Hello from Emu!\n");
    }

    [Fact]
    public void An_image_that_does_not_boot_ends_with_one_line()
    {
        string image = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(image, new byte[64 * 1024]);
            var r = EmuProcess.Run("boot", image);

            r.ExitCode.Should().Be(1);
            r.Stderr.Should().Be("emu: no bootable disk: drive 80h: not a bootable disk (no 55AA signature)\n");
        }
        finally
        {
            File.Delete(image);
        }
    }

    [Theory]
    [InlineData(new[] { "boot", "missing.img" }, 1, "does not exist")]
    [InlineData(new[] { "boot" }, 2, "missing")]
    [InlineData(new[] { "boot", "guest-images" }, 1, "directory")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--floppy", "guest-images/demos/hello.bin" }, 1, "not a floppy size")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--disk", "missing.img" }, 1, "does not exist")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--disk", "x.img,bogus" }, 2, "unknown option 'bogus'")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--bios-disk", "scsi" }, 2, "--bios-disk")]
    [InlineData(new[] { "boot", "guest-images/demos/hello.bin", "--bios", "guest-images/demos/hello.bin" }, 1, "64 KiB")]
    [InlineData(new[] { "run", "guest-images/demos/hello.bin", "--load-address", "F000:0000" }, 1, "firmware")]
    [InlineData(new[] { "test", "missing-dir" }, 1, "does not exist")]
    public void Bad_input_gives_one_line_and_a_documented_status(string[] args, int status, string fragment)
    {
        var r = EmuProcess.Run(args);

        r.ExitCode.Should().Be(status);
        r.Stderr.Should().Contain(fragment);
        r.Stderr.TrimEnd('\n').Should().NotContain("\n", "the error is one line");
        r.Stderr.Should().NotContain("   at ", "no stack trace");
    }

    [Fact]
    public void An_empty_image_is_refused()
    {
        string image = Path.GetTempFileName();
        try
        {
            var r = EmuProcess.Run("boot", image);
            r.ExitCode.Should().Be(1);
            r.Stderr.Should().Contain("is empty");
        }
        finally
        {
            File.Delete(image);
        }
    }
}
