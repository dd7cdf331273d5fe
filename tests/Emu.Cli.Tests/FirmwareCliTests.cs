using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>emu boot, emu test and the firmware options, through the real command.</summary>
public class FirmwareCliTests
{
    // Each shipped program is a case of GuestProgramTests; this is the verb itself, end to end, on the demos.
    [Fact]
    public void Emu_test_reports_each_program_and_the_counts()
    {
        var r = EmuProcess.Run("test", "guest-images/demos");

        r.Stderr.Should().BeEmpty();
        r.Stdout.Should().Be("""
            PASS guest-images/demos/bootdemo.asm
            PASS guest-images/demos/hello.asm
            PASS guest-images/demos/mode13.asm
            PASS guest-images/demos/platform.asm
            4 passed, 0 failed

            """);
        r.ExitCode.Should().Be(0);
    }

    [Fact]
    public void A_failing_program_is_reported_and_fails_the_run()
    {
        using var dir = new TempFolder("emu-test-");
        File.WriteAllText(dir["wrong.asm"], """
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
        var r = EmuProcess.Run("test", dir.Path);

        r.ExitCode.Should().Be(1);
        r.Stdout.Should().Contain("FAIL").And.Contain("output line 1 was 'x', expected 'something else'");
        r.Stdout.Should().EndWith("0 passed, 1 failed\n");
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
        using var image = TempFile.With(new byte[64 * 1024]);
        var r = EmuProcess.Run("boot", image.Path);

        r.ExitCode.Should().Be(4, "the guest's firmware found nothing to boot: a guest event, not a host error");
        r.Stderr.Should().Be("emu: no bootable disk: drive 80h: not a bootable disk (no 55AA signature)\n");
    }

    // emu boot of the bios-disk-hd image (a scratch copy: it writes sector 11) by each INT 13h driver;
    // for virtio a second copy is the virtio disk, which the BIOS makes drive 80h (the ATA copy is 81h).
    [Theory]
    [InlineData("pio")]
    [InlineData("dma")]
    [InlineData("hypercall")]
    [InlineData("virtio")]
    public void Boot_stats_show_which_path_the_bios_disk_driver_took(string mode)
    {
        string original = Path.Combine(RepoPaths.GuestImages, "tests", "bios-disk-hd.bin");
        using var image = TempFile.CopyOf(original);
        using var virtioImage = TempFile.CopyOf(original);
        var r = mode == "virtio"
            ? EmuProcess.Run("boot", image.Path, "--virtio-disk", virtioImage.Path, "--bios-disk", mode, "--stats", "--debugcon", "none")
            : EmuProcess.Run("boot", image.Path, "--bios-disk", mode, "--stats", "--debugcon", "none");

        r.ExitCode.Should().Be(1, r.Stderr); // the test program's pass status
        int ata = Exits(r.Stderr, "port 01F0-01F7"), busMaster = Exits(r.Stderr, "port C000-C00F");
        int mmio = Exits(r.Stderr, "mmio D0000-D0FFF");
        switch (mode)
        {
            case "pio":
                ata.Should().BeGreaterThan(5 * 256, "IDENTIFY and every sector moved word by word");
                busMaster.Should().Be(0);
                break;
            case "dma":
                busMaster.Should().BeGreaterThan(0);
                ata.Should().BeLessThan(400, "only IDENTIFY's data goes through the data port");
                break;
            case "virtio":
                mmio.Should().BeGreaterThan(10, "POST's device set-up and one QueueNotify per request");
                ata.Should().BeLessThan(400, "only POST's IDENTIFY of the ATA copy (81h)");
                busMaster.Should().Be(0);
                File.ReadAllBytes(image.Path).Should().Equal(File.ReadAllBytes(original), "the booted and tested drive 80h is the virtio disk");
                File.ReadAllBytes(virtioImage.Path).Should().NotEqual(File.ReadAllBytes(original), "the program wrote sector 11 through virtio");
                break;
            default:
                (ata, busMaster, mmio).Should().Be((0, 0, 0), "the hypercall driver reads the image in the VMM");
                break;
        }
        r.Stderr.Should().NotContain("note:");
    }

    // Below the 386 (no 32-bit MMIO) --bios-disk virtio falls back to the hypercall driver without a word.
    [Fact]
    public void Bios_disk_virtio_on_an_8086_boots_through_the_hypercall_driver()
    {
        using var image = TempFile.CopyOf(Path.Combine(RepoPaths.GuestImages, "tests", "bios-disk-hd.bin"));
        using var virtioImage = TempFile.CopyOf(Path.Combine(RepoPaths.GuestImages, "tests", "bios-disk-hd.bin"));
        var r = EmuProcess.Run("boot", image.Path, "--virtio-disk", virtioImage.Path, "--bios-disk", "virtio", "--cpu", "8086", "--stats", "--debugcon", "none");
        r.ExitCode.Should().Be(1, r.Stderr);
        (Exits(r.Stderr, "mmio D0000-D0FFF"), Exits(r.Stderr, "port 01F0-01F7")).Should().Be((0, 0));
        r.Stderr.Should().NotContain("note:");
    }

    private static int Exits(string stats, string range)
    {
        var m = System.Text.RegularExpressions.Regex.Match(stats, $@"(?m)^{System.Text.RegularExpressions.Regex.Escape(range)}\s+([\d,]+)");
        return m.Success ? int.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
