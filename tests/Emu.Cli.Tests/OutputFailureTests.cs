using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// Outputs that cannot be written (a full device, a closed standard output, a socket path too long to bind): one
/// line on stderr naming the output, status 1 (a host error), never a .NET stack trace; and what the guest
/// completed before is in its disk image.
/// </summary>
public sealed class OutputFailureTests : IDisposable
{
    private const string Hello = "guest-images/demos/hello.bin";
    private const string DmaGuest = "guest-images/tests/ata/flush-wait-dma.bin"; // writes LBA 60-61 and 70, printing as it goes
    private readonly TempFile _image = TempFile.CopyOf(Path.Combine(RepoPaths.GuestImages, "tests", "ata", "disk.img"));

    public void Dispose() => _image.Dispose();

    private bool GuestWritesAreOnDisk()
    {
        byte[] disk = File.ReadAllBytes(_image.Path);
        bool Holds(int lba, int seed, int sectors)
        {
            for (int i = 0; i < sectors * 512; i++)
            {
                if (disk[lba * 512 + i] != (byte)(seed + 5 * i))
                    return false;
            }
            return true;
        }
        return Holds(60, 0x5A, 2) && Holds(70, 0xC3, 1);
    }

    [Theory]
    [InlineData("--trace")]
    [InlineData("--debugcon")]
    [InlineData("--serial")]
    public void An_output_on_a_full_device_ends_the_run_with_one_line(string option)
    {
        var r = EmuProcess.Run("run", "guest-images/demos/platform.bin", option, "/dev/full", "--max-instructions", "2000000");

        r.ShouldBeOneLineError(1, $"emu: {option}: cannot write '/dev/full': no space left on the device");
    }

    [Fact]
    public void A_full_debug_console_file_still_leaves_every_completed_write_on_the_disk()
    {
        var r = EmuProcess.Run("run", DmaGuest, "--disk", _image.Path, "--debugcon", "/dev/full", "--max-instructions", "3000000");

        r.ShouldBeOneLineError(1, "--debugcon: cannot write '/dev/full': no space left on the device");
        GuestWritesAreOnDisk().Should().BeTrue("the guest's writes completed before its output failed");
    }

    [Theory]
    [InlineData("run " + Hello)]
    [InlineData("run " + Hello + " --screen --debugcon none")]
    [InlineData("disasm " + Hello)]
    [InlineData("run guest-images/demos/platform.bin --max-instructions 3000000 --debugcon none --serial stdio")]
    public void Standard_output_on_a_full_device_gives_one_line(string command)
    {
        EmuProcess.RunWithStdout(">/dev/full", command.Split(' '))
            .ShouldBeOneLineError(1, "emu: cannot write to standard output: no space left on the device");
    }

    [Fact]
    public void A_closed_standard_output_gives_one_line()
    {
        EmuProcess.RunWithStdout(">&-", "run", Hello).ShouldBeOneLineError(1, "emu: cannot write to standard output: it is closed");
    }

    [Fact]
    public void A_socket_path_longer_than_a_unix_socket_allows_is_refused()
    {
        string socket = "/tmp/" + new string('s', 110);
        EmuProcess.Run("device-server", "--socket", socket, "--disk", _image.Path)
            .ShouldBeOneLineError(2, $"--socket: the socket path '{socket}' is 115 bytes; a Unix socket path holds at most 107");
        EmuProcess.Run("run", Hello, "--device-process", socket)
            .ShouldBeOneLineError(2, "--device-process: the socket path");
    }
}
