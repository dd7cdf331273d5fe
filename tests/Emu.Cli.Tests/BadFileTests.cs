using System.Diagnostics;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// Bad files at the edges, each ending in one line on stderr and a documented exit status (README): empty,
/// truncated, oversized and unreadable programs and images. The tests run as root, whom chmod 000 does not
/// stop, so "unreadable" is a FIFO with no writer (which must not block the emulator) and a character device.
/// </summary>
public sealed class BadFileTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-badfile-");

    public void Dispose() => _dir.Dispose();

    private string File(string name, int length)
    {
        string path = _dir[name];
        System.IO.File.WriteAllBytes(path, new byte[length]);
        return path;
    }

    private string Fifo()
    {
        string path = _dir["fifo"];
        using var mk = Process.Start("mkfifo", path)!;
        mk.WaitForExit();
        mk.ExitCode.Should().Be(0);
        return path;
    }

    private static void OneLine(EmuProcess.Result r, int status, string fragment) => r.ShouldBeOneLineError(status, fragment);

    [Fact]
    public void An_empty_disk_image_is_refused() =>
        OneLine(EmuProcess.Run("run", "guest-images/demos/hello.bin", "--disk", File("empty.img", 0)), 1, "is empty");

    [Fact]
    public void A_truncated_boot_image_is_not_bootable()
    {
        string path = _dir["truncated.img"];
        System.IO.File.WriteAllBytes(path, System.IO.File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "demos", "bootdemo.bin"))[..300]);
        OneLine(EmuProcess.Run("boot", path), 4, "no bootable disk");
    }

    [Fact]
    public void A_program_that_does_not_fit_below_the_firmware_is_refused() =>
        OneLine(EmuProcess.Run("run", File("big.bin", 1_000_000)), 1, "does not fit in memory");

    [Fact]
    public void A_program_larger_than_64_MiB_is_not_read()
    {
        string path = _dir["huge.bin"];
        using (var f = new FileStream(path, FileMode.CreateNew))
            f.SetLength(70L * 1024 * 1024); // sparse
        OneLine(EmuProcess.Run("run", path), 1, "larger than the 64 MiB");
    }

    [Fact]
    public void A_fifo_as_program_or_disk_ends_at_once_with_one_line()
    {
        string fifo = Fifo();
        OneLine(EmuProcess.Run("run", fifo), 1, $"program '{fifo}' is a FIFO (named pipe), not a file");
        OneLine(EmuProcess.Run("run", "guest-images/demos/hello.bin", "--disk", fifo), 1, $"disk image '{fifo}' is a FIFO (named pipe), not a file");
    }

    [Fact]
    public void A_character_device_as_program_or_disk_is_refused()
    {
        OneLine(EmuProcess.Run("run", "/dev/zero"), 1, "program '/dev/zero' is a character device, not a file");
        OneLine(EmuProcess.Run("run", "guest-images/demos/hello.bin", "--disk", "/dev/zero"), 1, "disk image '/dev/zero' is a character device, not a file");
    }
}
