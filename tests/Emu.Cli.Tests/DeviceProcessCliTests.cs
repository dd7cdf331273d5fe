using System.Text.RegularExpressions;
using Emu.Tests.Shared;

namespace Emu.Cli.Tests;

/// <summary>
/// `emu device-server` and `emu run/boot --device-process` as separate real processes: the same results as in one
/// process, a killed device process ends the guest with one line and a consistent image, a killed VMM leaves the
/// device process serving, and every bad option is one line.
/// </summary>
public sealed partial class DeviceProcessCliTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-devproc-");
    private string Socket => _dir["dev.sock"];

    public void Dispose() => _dir.Dispose();

    private string Copy(string image, string name)
    {
        string path = _dir[name];
        File.Copy(Path.Combine(RepoPaths.GuestImages, image), path, overwrite: true);
        return path;
    }

    private string Blank(string name, int bytes)
    {
        string path = _dir[name];
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    private RunningEmu StartServer(params string[] args)
    {
        var server = new RunningEmu(["device-server", "--socket", Socket, .. args]);
        server.WaitForLine(l => l.Contains("listening on"), "its ready line");
        return server;
    }

    [Fact]
    public void Booting_with_the_ATA_controller_in_a_device_process_gives_the_same_output_exits_and_bytes()
    {
        string local = Copy("tests/bios-disk-hd.bin", "local.img"), remote = Copy("tests/bios-disk-hd.bin", "remote.img");
        using var server = StartServer("--disk", remote);
        var a = EmuProcess.Run("boot", local, "--bios-disk", "dma", "--stats");
        var b = EmuProcess.Run("boot", remote, "--bios-disk", "dma", "--stats", "--device-process", Socket);
        a.Stdout.Should().Contain("lba 11 written: W11");
        b.ExitCode.Should().Be(a.ExitCode);
        b.Stdout.Should().Be(a.Stdout);
        var hop = b.Stderr.Split('\n').Where(l => l.StartsWith("device process ", StringComparison.Ordinal)).ToList();
        hop.Should().ContainSingle().Which.Should().Contain("requests forwarded");
        string.Join('\n', b.Stderr.Split('\n').Where(l => !hop.Contains(l))).Should().Be(a.Stderr,
            "the statistics (every exit by reason, device and port range) are the same; only the hop's line is added");
        File.ReadAllBytes(remote).Should().Equal(File.ReadAllBytes(local));
    }

    [Fact]
    public async Task Killing_the_device_process_mid_run_stops_the_guest_with_one_line_and_leaves_no_torn_sector()
    {
        string image = Blank("loop.img", 64 * 512);
        using var server = StartServer("--disk", image);
        using var vm = new RunningEmu("run", "guest-images/tests/ata/write-loop.bin", "--device-process", Socket, "--serial-input", "l");
        vm.WaitForLine(l => l == "round 3", "round 3");
        server.Process.Kill(); // SIGKILL, in the middle of some sector's 256 OUTSW
        vm.WaitForExit().Should().Be(1);
        string stderr = await vm.Stderr;
        stderr.Should().MatchRegex($@"^emu: device process at '{Regex.Escape(Socket)}' \(pid \d+\) failed during a [124]-byte (read|write of [0-9A-F]+) of ata0(-ctl)? \(port [0-9A-F]{{4}}\): .+; guest stopped at [0-9A-F]{{4}}:[0-9A-F]{{4}}\n$");
        int last = vm.Lines.Where(l => l.StartsWith("round ", StringComparison.Ordinal)).Select(l => int.Parse(l[6..])).Max();

        var bytes = File.ReadAllBytes(image);
        for (int lba = 0; lba < 32; lba++)
        {
            var sector = bytes.AsSpan(lba * 512, 512);
            byte seed = sector[0];
            for (int i = 0; i < 512; i++)
                sector[i].Should().Be((byte)(seed + 5 * i), $"sector {lba} holds one round's whole pattern");
            seed.Should().BeOneOf([(byte)last, (byte)(last + 1)], $"sector {lba} was written in round {last} (reported) or the next");
        }
    }

    [Fact]
    public async Task The_device_process_outlives_a_VMM_killed_mid_run_and_serves_the_next()
    {
        string image = Blank("loop.img", 64 * 512);
        using var server = StartServer("--disk", image);
        using (var vm = new RunningEmu("run", "guest-images/tests/ata/write-loop.bin", "--device-process", Socket, "--serial-input", "l"))
        {
            vm.WaitForLine(l => l == "round 2", "round 2");
            vm.Process.Kill();
            vm.WaitForExit().Should().Be(137);
        }
        var next = EmuProcess.Run("run", "guest-images/tests/ata/write-loop.bin", "--device-process", Socket);
        next.ExitCode.Should().Be(1, next.Stderr);
        next.Stdout.Should().Contain("round 1").And.Contain("write-loop: done");
        server.Process.HasExited.Should().BeFalse();
        server.Process.Kill();
        server.WaitForExit();
        (await server.Stderr).Should().Contain("session 1 ended: the other side closed the connection")
            .And.Contain("session 2 ended: the VMM said goodbye");
    }

    [Fact]
    public void SIGTERM_stops_the_device_server_cleanly()
    {
        using var server = StartServer("--disk", Blank("d.img", 512 * 64));
        SendSignal(server.Process.Id, 15).Should().Be(0);
        server.WaitForExit().Should().Be(0);
        File.Exists(Socket).Should().BeFalse("the socket file is removed");
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    [Fact]
    public void Bad_device_server_options_are_one_line()
    {
        string disk = Blank("d.img", 512 * 64);
        EmuProcess.Run("device-server", "--socket", Socket).ShouldBeOneLineError(2, "disk");
        EmuProcess.Run("device-server", "--socket", Socket, "--disk", disk, "--device", "floppy").ShouldBeOneLineError(2, "--device 'floppy' is not ata, virtio-blk or assigned");
        EmuProcess.Run("device-server", "--socket", Socket, "--disk", disk, "--disk", disk, "--device", "virtio-blk").ShouldBeOneLineError(2, "virtio-blk device takes one disk");
        EmuProcess.Run("device-server", "--socket", Socket, "--disk", _dir["missing.img"]).ShouldBeOneLineError(1, "missing.img");
        EmuProcess.Run("device-server", "--socket", _dir.Path, "--disk", disk).ShouldBeOneLineError(1, "is a directory");
        EmuProcess.Run("device-server", "--socket", disk, "--disk", disk).ShouldBeOneLineError(1, "exists and is not a socket");
        using var server = StartServer("--disk", disk);
        EmuProcess.Run("device-server", "--socket", Socket, "--disk", Blank("e.img", 512)).ShouldBeOneLineError(1, "another device process is already listening");
    }

    [Fact]
    public void Bad_device_process_options_of_run_and_boot_are_one_line()
    {
        string disk = Blank("d.img", 512 * 64);
        const string Program = "guest-images/tests/ata/identify.bin";
        EmuProcess.Run("run", Program, "--device-process", Socket).ShouldBeOneLineError(1, $"no device process at '{Socket}'");
        EmuProcess.Run("run", Program, "--disk", $"{disk},process=").ShouldBeOneLineError(2, "empty process= socket path");
        EmuProcess.Run("run", Program, "--device-process", Socket, "--device-timeout", "0").ShouldBeOneLineError(2, "--device-timeout");
        using var server = StartServer("--disk", disk);
        EmuProcess.Run("run", Program, "--device-process", Socket, "--disk", Blank("other.img", 512 * 64)).ShouldBeOneLineError(1, "give its disks to emu device-server, not --disk");
        EmuProcess.Run("run", Program, "--disk", $"{Blank("other2.img", 512)},process={Socket}").ShouldBeOneLineError(1, $"serves {disk}, not");
        EmuProcess.Run("run", Program, "--device-process", Socket, "--bios-disk", "hypercall").ShouldBeOneLineError(1, "--bios-disk hypercall");
        var ok = EmuProcess.Run("run", Program, "--disk", $"{disk},process={Socket}");
        ok.Stdout.Should().Contain("model=EMU HARDDISK", "the disk spec's process= form works: " + ok.Stderr);
    }
}
