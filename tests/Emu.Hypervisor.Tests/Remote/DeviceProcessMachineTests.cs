using Emu.Hypervisor.Firmware;
using Emu.Io.Remote;
using Emu.Io.Virtio;

namespace Emu.Hypervisor.Tests.Remote;

/// <summary>
/// The same guest with its disk device in-process and in a device process (a <see cref="DeviceServer"/> on a thread,
/// over a real Unix socket and a shared RAM mapping, the same code `emu device-server` runs) must print the same
/// text, end the same way, take the same exits and leave the same bytes in the image.
/// </summary>
public sealed class DeviceProcessMachineTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-remote-");

    public void Dispose() => _dir.Dispose();

    private static byte[] Bios => File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "firmware", "bios.bin"));

    private sealed record Result(string Console, RunEnd End, int ExitCode, string Stats, byte[] Image, long Retired, string Trace);

    /// <summary>How the guest starts: bare at 7C00, after POST as `emu run` does, or booted from the disk.</summary>
    private enum Start { Bare, Run, Boot }

    // The same file name on both sides: the ATA serial number is derived from it.
    private string CopyImage(string image, string side)
    {
        string path = Path.Combine(Directory.CreateDirectory(_dir[side]).FullName, "disk.img");
        File.Copy(Path.Combine(RepoPaths.GuestImages, image), path, overwrite: true);
        return path;
    }

    private Result Run(string program, string image, Start start, bool remote, RemoteDeviceKind kind = RemoteDeviceKind.Ata,
        BiosDiskMode biosDisk = BiosDiskMode.Pio, VirtioNotifyMode notify = VirtioNotifyMode.Exit)
    {
        string disk = CopyImage(image, remote ? "remote" : "local");
        string socket = _dir["s"];
        using var server = remote ? new OneSessionServer(socket, disk, kind) : null;
        var console = new MemoryStream();
        var trace = new StringWriter();
        bool virtio = kind == RemoteDeviceKind.VirtioBlock;
        var config = new MachineConfig
        {
            DebugConsoleOutput = console,
            Firmware = start == Start.Bare ? null : Bios,
            BiosDisk = biosDisk,
            VirtioNotify = notify,
            HardDisks = remote || virtio ? [] : [new DiskSpec(disk)],
            VirtioDisk = !remote && virtio ? new DiskSpec(disk) : null,
            DeviceProcess = remote ? socket : null,
            DeviceProcessDisks = remote ? [disk] : [],
        };
        RunOutcome outcome;
        string stats;
        long retired;
        using (var vm = new VirtualMachine(config))
        {
            vm.Tracer = new Tracing.Tracer(new Tracing.TextTraceSink(trace, ownsWriter: false), Tracing.TraceEvents.Default, hostTime: false);
            byte[] code = File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, program));
            if (start == Start.Bare)
            {
                FlatBinaryLoader.Load(vm.Memory, code, SegmentedAddress.BootSector);
                BareStart.Prepare(vm, SegmentedAddress.BootSector);
            }
            else if (start == Start.Run)
            {
                vm.Firmware!.SetProgram(code, SegmentedAddress.BootSector);
            }
            outcome = vm.Run(new RunLimits { MaxInstructions = 50_000_000 });
            var table = new StringWriter();
            vm.Stats.WriteTable(table);
            // The one line that differs is the hop's own: what it cost.
            stats = string.Join('\n', table.ToString().Split('\n').Where(l => !l.StartsWith("device process ", StringComparison.Ordinal)));
            if (remote)
                table.ToString().Should().MatchRegex(@"device process .+ \(pid \d+\): [\d,]+ requests forwarded, mean round trip [\d.]+ us of which device work [\d.]+ us");
            retired = vm.Cpu.Retired;
            vm.Tracer.Dispose();
            vm.Tracer = null;
        }
        server?.SessionEnded().Should().BeTrue("the VMM said goodbye, so the one session ended");
        return new Result(System.Text.Encoding.Latin1.GetString(console.ToArray()), outcome.End, outcome.ExitCode, stats,
            File.ReadAllBytes(disk), retired, trace.ToString());
    }

    private void ShouldMatch(Result local, Result remote)
    {
        remote.Console.Should().Be(local.Console);
        remote.End.Should().Be(local.End);
        remote.ExitCode.Should().Be(local.ExitCode);
        remote.Retired.Should().Be(local.Retired, "the guest ran the same instructions");
        remote.Stats.Should().Be(local.Stats, "the same exits, by reason, device and port range");
        remote.Image.Should().Equal(local.Image, "the same bytes on the disk");
        // The trace is the same event for event (register names and device events come from the device
        // process), once the hop's own events and the sequence numbers they take are left out.
        TraceWithoutHop(remote.Trace).Should().Equal(TraceWithoutHop(local.Trace));
    }

    private static List<string> TraceWithoutHop(string trace) => trace.Split('\n')
        .Where(l => !l.Contains(" device-process ", StringComparison.Ordinal))
        .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^#\d+\s+", ""))
        .ToList();

    [Theory]
    [InlineData("tests/ata/identify.bin")]
    [InlineData("tests/ata/pio.bin")]
    [InlineData("tests/ata/multiple.bin")]
    [InlineData("tests/ata/errors.bin")]
    [InlineData("tests/ata/registers.bin")]
    [InlineData("tests/ata/dma.bin")]
    [InlineData("tests/ata/write.bin")]
    public void ATA_test_programs_behave_the_same_out_of_process(string program)
    {
        var local = Run(program, "tests/ata/disk.img", Start.Bare, remote: false);
        var remote = Run(program, "tests/ata/disk.img", Start.Bare, remote: true);
        local.ExitCode.Should().Be(1, "the test program passes: " + local.Console);
        ShouldMatch(local, remote);
    }

    [Theory]
    [InlineData(BiosDiskMode.Pio)]
    [InlineData(BiosDiskMode.Dma)]
    public void Booting_through_the_BIOS_behaves_the_same_out_of_process(BiosDiskMode mode)
    {
        var local = Run("tests/bios-disk-hd.bin", "tests/bios-disk-hd.bin", Start.Boot, remote: false, biosDisk: mode);
        var remote = Run("tests/bios-disk-hd.bin", "tests/bios-disk-hd.bin", Start.Boot, remote: true, biosDisk: mode);
        local.Console.Should().Contain("lba 11 written: W11");
        ShouldMatch(local, remote);
    }

    [Theory]
    [InlineData(VirtioNotifyMode.Exit)]
    [InlineData(VirtioNotifyMode.Poll)]
    public void Virtio_blk_behaves_the_same_out_of_process(VirtioNotifyMode notify)
    {
        var local = Run("tests/bios-disk-read.bin", "tests/ata/disk.img", Start.Run, remote: false, RemoteDeviceKind.VirtioBlock, BiosDiskMode.Virtio, notify);
        var remote = Run("tests/bios-disk-read.bin", "tests/ata/disk.img", Start.Run, remote: true, RemoteDeviceKind.VirtioBlock, BiosDiskMode.Virtio, notify);
        local.Console.Should().Contain("read AH=00 CF=0 count=0064 sum=40DA");
        ShouldMatch(local, remote);
    }

    [Fact]
    public void A_driver_halted_with_the_timers_masked_is_woken_by_polls_of_a_device_process()
    {
        // Only the poller can wake this guest (IRQ 0 and 8 masked, IRQ 11 on completion): the halt check must
        // see that with the virtio device out of process too.
        var local = Run("tests/virtio/poll-irq-halt.bin", "tests/virtio/disk.img", Start.Bare, remote: false, RemoteDeviceKind.VirtioBlock, notify: VirtioNotifyMode.Poll);
        var remote = Run("tests/virtio/poll-irq-halt.bin", "tests/virtio/disk.img", Start.Bare, remote: true, RemoteDeviceKind.VirtioBlock, notify: VirtioNotifyMode.Poll);
        local.Console.Should().Be("poll-irq-halt: woken by the completion interrupt\n");
        ShouldMatch(local, remote);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Code_that_a_DMA_read_overwrote_runs_as_the_new_code(bool remote)
    {
        // Code that has run once sits in the decode cache; a READ DMA then puts other code over it. Out of
        // process the bytes change in the shared mapping behind the VMM's back, and only the device's
        // MemoryWritten report makes the VMM drop the stale decoded instructions.
        byte[] first = [0xB0, (byte)'A', 0xE6, 0xE9, 0xEB, 0xFE]; // mov al,'A'; out E9h,al; jmp $
        byte[] second = [0xB0, (byte)'B', 0xE6, 0xE9, 0xEB, 0xFE];
        string disk = Path.Combine(Directory.CreateDirectory(_dir[remote ? "r" : "l"]).FullName, "disk.img");
        var image = new byte[64 * 512];
        second.CopyTo(image, 0);
        File.WriteAllBytes(disk, image);
        string socket = _dir["smc.sock"];
        using var server = remote ? new OneSessionServer(socket, disk) : null;
        var console = new MemoryStream();
        using (var vm = new VirtualMachine(new MachineConfig
        {
            DebugConsoleOutput = console,
            HardDisks = remote ? [] : [new DiskSpec(disk)],
            DeviceProcess = remote ? socket : null,
        }))
        {
            vm.Memory.Load(0x7C00, first);
            BareStart.Prepare(vm, SegmentedAddress.BootSector);
            vm.Run(new RunLimits { MaxInstructions = 100 }).End.Should().Be(RunEnd.InstructionLimit);

            vm.Memory.Load(0x1000, [0x00, 0x7C, 0x00, 0x00, 0x00, 0x02, 0x00, 0x80]); // PRD: 7C00h, 512 bytes, end of table
            vm.Ports.Write(0xC004, 4, 0x1000);
            vm.Ports.Write(0x1F2, 1, 1);
            vm.Ports.Write(0x1F3, 1, 0);
            vm.Ports.Write(0x1F4, 1, 0);
            vm.Ports.Write(0x1F5, 1, 0);
            vm.Ports.Write(0x1F6, 1, 0xE0);
            vm.Ports.Write(0x1F7, 1, 0xC8); // READ DMA
            vm.Ports.Write(0xC000, 1, 0x09); // start, device to memory
            vm.Ports.Read(0x1F7, 1).Should().Be(0x50, "the transfer completed");
            vm.Memory.Bytes[0x7C01].Should().Be((byte)'B', "the sector is in guest RAM");

            BareStart.Prepare(vm, SegmentedAddress.BootSector);
            vm.Run(new RunLimits { MaxInstructions = 100 }).End.Should().Be(RunEnd.InstructionLimit);
        }
        server?.SessionEnded().Should().BeTrue();
        System.Text.Encoding.ASCII.GetString(console.ToArray()).Should().Be("AB", "the second run executes the bytes the DMA wrote, not the cached decode");
    }
}
