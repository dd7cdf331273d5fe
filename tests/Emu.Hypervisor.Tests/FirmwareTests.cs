using Emu.Cpu;
using Emu.Hypervisor.Firmware;
using Emu.Hypervisor.Loader;
using Emu.Io.Storage;
using Emu.Tests.Shared;

namespace Emu.Hypervisor.Tests;

/// <summary>The BIOS on the machine: it boots disks, starts programs after POST, stops with a reason when
/// there is nothing to boot, and its hypercalls survive any register values a hostile guest passes.</summary>
public sealed class FirmwareTests : IDisposable
{
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (string f in _files)
            File.Delete(f);
    }

    // Hard disks are the machine's ATA disks, opened from image files.
    private DiskSpec Image(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"emu-fw-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(path, bytes);
        _files.Add(path);
        return new DiskSpec(path);
    }

    private static byte[] Bios => File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "firmware", "bios.bin"));
    private static byte[] Hello => File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "demos", "hello.bin"));

    private static (VirtualMachine Vm, MemoryStream Console) Machine(IBlockBackend? floppy = null, DiskSpec[]? disks = null, CpuModel cpu = CpuModel.I386)
    {
        var console = new MemoryStream();
        var vm = new VirtualMachine(new MachineConfig
        {
            Cpu = cpu,
            Firmware = Bios,
            Floppy = floppy,
            HardDisks = disks ?? [],
            DebugConsoleOutput = console,
        });
        return (vm, console);
    }

    [Fact]
    public void The_cpu_starts_at_the_reset_vector_in_rom()
    {
        var (vm, _) = Machine();
        using var _vm = vm;
        vm.Cpu.CS.Should().Be(0xFFFF);
        vm.Cpu.IP.Should().Be(0);
        vm.Memory.KindOf(0xFFFF0).Should().Be(Emu.Memory.PageKind.Rom);
    }

    [Theory]
    [InlineData(CpuModel.I8086)]
    [InlineData(CpuModel.I186)]
    [InlineData(CpuModel.I286)]
    [InlineData(CpuModel.I386)]
    public void A_boot_sector_on_the_first_hard_disk_boots_on_every_model(CpuModel cpu)
    {
        var (vm, console) = Machine(disks: [Image(Hello)], cpu: cpu);
        using var _vm = vm;
        var outcome = vm.Run(new RunLimits { MaxInstructions = 5_000_000 });

        outcome.End.Should().Be(RunEnd.Halted, outcome.Message);
        System.Text.Encoding.ASCII.GetString(console.ToArray()).Should().Be("Hello from Emu!\n");
        vm.Memory.Read8(0x475).Should().Be(1, "the BDA counts one hard disk");
    }

    [Fact]
    public void A_program_given_to_run_starts_after_post_with_the_bios_set_up()
    {
        var (vm, console) = Machine();
        using var _vm = vm;
        vm.Firmware!.SetProgram(Hello, SegmentedAddress.BootSector);
        var outcome = vm.Run(new RunLimits { MaxInstructions = 5_000_000 });

        outcome.End.Should().Be(RunEnd.Halted);
        System.Text.Encoding.ASCII.GetString(console.ToArray()).Should().Be("Hello from Emu!\n");
        vm.Memory.Read16(0x413).Should().Be(640, "POST stored the memory size");
        vm.Memory.Read16(0x41A).Should().Be(0x1E, "the keyboard buffer is empty");
        vm.Memory.Read16(0x8 * 4 + 2).Should().Be(0xF000, "INT 08h is the BIOS's");
    }

    [Fact]
    public void Nothing_to_boot_ends_the_run_with_one_line_saying_why()
    {
        var (vm, _) = Machine(floppy: new MemoryBackend(1440 * 1024), disks: [Image(new byte[64 * 1024])]);
        using var _vm = vm;
        var outcome = vm.Run(new RunLimits { MaxInstructions = 5_000_000 });

        outcome.End.Should().Be(RunEnd.FirmwareStop);
        outcome.ExitCode.Should().Be(1);
        outcome.Message.Should().Be("no bootable disk: drive 00h: not a bootable disk (no 55AA signature); drive 80h: not a bootable disk (no 55AA signature)");
        vm.TextScreenLines().Should().Contain("No bootable device.");
    }

    [Fact]
    public void A_disk_read_into_rom_fails_with_a_dma_error_and_changes_nothing()
    {
        var (vm, _) = Machine(disks: [Image(Enumerable.Range(0, 64 * 512).Select(i => (byte)i).ToArray())]);
        using var _vm = vm;
        byte[] romBefore = vm.Memory.Bytes.Slice(0xF0000, 0x10000).ToArray();
        var cpu = vm.Cpu;
        PrepareFrame(vm, ax: 0x0201);
        cpu.CX = 0x0001;
        cpu.DX = 0x0080;
        cpu.ES = 0xF000;
        cpu.BX = 0x0000;
        vm.Hypercalls[Hypercall.Disk](vm);

        vm.Memory.Read16(0x1000).Should().Be(0x0900, "AH = 09h, AL = 0 sectors");
        (vm.Memory.Read16(0x1006) & 1).Should().Be(1, "CF set in the returned flags");
        vm.Memory.Bytes.Slice(0xF0000, 0x10000).ToArray().Should().Equal(romBefore);
    }

    [Fact]
    public void Hostile_register_values_never_break_the_host()
    {
        var floppy = new MemoryBackend(160 * 1024);
        var (vm, _) = Machine(floppy, [Image(new byte[32 * 512])]);
        using var _vm = vm;
        byte[] romBefore = vm.Memory.Bytes.Slice(0xF0000, 0x10000).ToArray();
        var random = new Random(4321);
        ushort[] services = [Hypercall.Disk, Hypercall.Video, Hypercall.Key, Hypercall.Stop, Hypercall.Unsupported, Hypercall.GetConfig];
        for (int i = 0; i < 20_000; i++)
        {
            var cpu = vm.Cpu;
            cpu.SS = (ushort)random.Next(0x10000);
            cpu.SP = (ushort)random.Next(0x10000);
            cpu.BX = (ushort)random.Next(0x10000);
            cpu.CX = (ushort)random.Next(0x10000);
            cpu.DX = (ushort)(random.Next(2) == 0 ? random.Next(0x10000) : (random.Next(3) == 0 ? 0x00 : 0x80) | random.Next(0x100) << 8);
            cpu.SI = (ushort)random.Next(0x10000);
            cpu.DI = (ushort)random.Next(0x10000);
            cpu.BP = (ushort)random.Next(0x10000);
            cpu.DS = (ushort)random.Next(0x10000);
            cpu.ES = (ushort)random.Next(0x10000);
            if (random.Next(2) == 0)
                PrepareFrame(vm, (ushort)random.Next(0x10000));
            // A DAP with random contents where DS:SI points, now and then.
            if (random.Next(4) == 0)
            {
                uint dap = (((uint)cpu.DS << 4) + cpu.SI) & 0xFFFFF;
                if (dap + 0x18 < 0xA0000)
                {
                    var bytes = new byte[0x18];
                    random.NextBytes(bytes);
                    bytes[0] = 0x18;
                    vm.Memory.Load(dap, bytes);
                }
            }
            var service = services[random.Next(services.Length)];
            var act = () => vm.Hypercalls[service](vm);
            act.Should().NotThrow($"service {service:X4} iteration {i}");
        }
        vm.Memory.Bytes.Slice(0xF0000, 0x10000).ToArray().Should().Equal(romBefore);
    }

    // A service frame at 0000:1000: caller's AX, IP, CS, FLAGS.
    private static void PrepareFrame(VirtualMachine vm, ushort ax)
    {
        vm.Cpu.SS = 0;
        vm.Cpu.SP = 0x1000;
        vm.Memory.Write16(0x1000, ax);
        vm.Memory.Write16(0x1002, 0x7C00);
        vm.Memory.Write16(0x1004, 0);
        vm.Memory.Write16(0x1006, 0x0202);
    }
}
