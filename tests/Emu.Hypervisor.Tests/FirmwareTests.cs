using Emu.Hypervisor.Firmware;

namespace Emu.Hypervisor.Tests;

/// <summary>The BIOS on the machine: it boots disks, starts programs after POST, stops with a reason when
/// there is nothing to boot, and its hypercalls survive any register values a hostile guest passes.</summary>
public sealed class FirmwareTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-fw-");

    public void Dispose() => _dir.Dispose();

    // Hard disks are the machine's ATA disks, opened from image files.
    private DiskSpec Image(byte[] bytes)
    {
        string path = _dir[$"{Guid.NewGuid():N}.img"];
        File.WriteAllBytes(path, bytes);
        return new DiskSpec(path);
    }

    private static byte[] Bios => File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "firmware", "bios.bin"));
    private static byte[] Hello => File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "demos", "hello.bin"));

    private static (VirtualMachine Vm, MemoryStream Console) Machine(IBlockBackend? floppy = null, DiskSpec[]? disks = null, CpuModel cpu = CpuModel.I386,
        BiosDiskMode biosDisk = BiosDiskMode.Pio, DiskSpec? virtio = null)
    {
        var console = new MemoryStream();
        var vm = new VirtualMachine(new MachineConfig
        {
            VirtioDisk = virtio,
            Cpu = cpu,
            Firmware = Bios,
            Floppy = floppy,
            HardDisks = disks ?? [],
            DebugConsoleOutput = console,
            BiosDisk = biosDisk,
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
    [MemberData(nameof(CpuModelData.Every), MemberType = typeof(CpuModelData))]
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
        using var vm = RunHelloAfterPost();

        vm.Memory.Read16(0x413).Should().Be(640, "POST stored the memory size");
        vm.Memory.Read16(0x41A).Should().Be(0x1E, "the keyboard buffer is empty");
        vm.Memory.Read16(0x8 * 4 + 2).Should().Be(0xF000, "INT 08h is the BIOS's");
    }

    /// <summary>
    /// Start-up: POST's one-time work stays below the block compiler's threshold, so a short program's whole run
    /// compiles nothing (a first compile loads Reflection.Emit and JIT-compiles at full optimisation: milliseconds of
    /// every start; docs/PERFORMANCE.md). POST's IVT fill was a 256-pass loop that the compiler took at each start.
    /// </summary>
    [Fact]
    public void Post_and_a_short_program_compile_no_block_and_every_vector_is_set()
    {
        using var vm = RunHelloAfterPost();

        vm.Cpu.CompiledInstructions.Should().Be((0L, 0L), "neither POST nor the short program has a hot block");
        ushort iret = vm.Memory.Read16(0x60 * 4); // a user vector: the BIOS's default IRET
        for (int vector = 0; vector < 256; vector++)
            vm.Memory.Read16((uint)(vector * 4 + 2)).Should().Be(vector is 0x1D or 0x1F ? (ushort)0 : (ushort)0xF000, $"vector {vector:X2}h's segment");
        vm.Memory.Read16(0xFF * 4).Should().Be(iret, "the last vector is the default IRET too");
        vm.Memory.Read8(0xF0000u + iret).Should().Be(0xCF, "the default handler is an IRET");
    }

    // The hello program given to `emu run`: POST, then the program, which prints and halts.
    private static VirtualMachine RunHelloAfterPost()
    {
        var (vm, console) = Machine();
        vm.Firmware!.SetProgram(Hello, SegmentedAddress.BootSector);
        var outcome = vm.Run(new RunLimits { MaxInstructions = 5_000_000 });

        outcome.End.Should().Be(RunEnd.Halted);
        System.Text.Encoding.ASCII.GetString(console.ToArray()).Should().Be("Hello from Emu!\n");
        return vm;
    }

    [Fact]
    public void Nothing_to_boot_ends_the_run_with_one_line_saying_why()
    {
        var (vm, _) = Machine(floppy: new MemoryBackend(1440 * 1024), disks: [Image(new byte[64 * 1024])]);
        using var _vm = vm;
        var outcome = vm.Run(new RunLimits { MaxInstructions = 5_000_000 });

        outcome.End.Should().Be(RunEnd.FirmwareStop);
        outcome.ExitCode.Should().Be(4, "what the guest caused has a status of its own");
        outcome.Message.Should().Be("no bootable disk: drive 00h: not a bootable disk (no 55AA signature); drive 80h: not a bootable disk (no 55AA signature)");
        vm.Display.TextLines().Should().Contain("No bootable device.");
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
        vm.Hypercalls[Hypercall.Disk]();

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
            var act = () => vm.Hypercalls[service]();
            act.Should().NotThrow($"service {service:X4} iteration {i}");
        }
        vm.Memory.Bytes.Slice(0xF0000, 0x10000).ToArray().Should().Equal(romBefore);
    }

    // A disk whose sector s holds bytes (s * 31 + j) & FFh.
    private static byte[] PatternDisk(int sectors) =>
        Enumerable.Range(0, sectors * 512).Select(i => (byte)(i / 512 * 31 + i % 512)).ToArray();

    // At 0000:7C00: INT 13h with AH = function, DL = 80h, DS:SI = a disk address packet for `count`
    // sectors at `lba` with the buffer at `segment`:0000; then AX to 0000:7D00, FLAGS to 0000:7D02, halt.
    // Without `call` the INT 13h is two NOPs (the baseline of everything but the call).
    private static byte[] EddProgram(byte function, ushort count, uint lba, ushort segment, bool call = true)
    {
        var p = new byte[0x30];
        byte[] code =
        [
            0xBE, 0x20, 0x7C,       // mov si, 7C20h
            0xB4, function,         // mov ah, function
            0xB0, 0x00,             // mov al, 0
            0xB2, 0x80,             // mov dl, 80h
            .. (call ? new byte[] { 0xCD, 0x13 } : [0x90, 0x90]),
            0xA3, 0x00, 0x7D,       // mov [7D00h], ax
            0x9C, 0x58,             // pushf / pop ax
            0xA3, 0x02, 0x7D,       // mov [7D02h], ax
            0xFA, 0xF4,             // cli / hlt
        ];
        code.CopyTo(p, 0);
        byte[] dap = [0x10, 0, (byte)count, (byte)(count >> 8), 0, 0, (byte)segment, (byte)(segment >> 8),
            (byte)lba, (byte)(lba >> 8), (byte)(lba >> 16), (byte)(lba >> 24), 0, 0, 0, 0];
        dap.CopyTo(p, 0x20);
        return p;
    }

    private (VirtualMachine Vm, RunOutcome Outcome) RunEdd(BiosDiskMode mode, DiskSpec disk, byte[] program, Action<VirtualMachine>? before = null)
    {
        // --bios-disk virtio: the disk is the virtio-blk device (drive 80h), no ATA disk.
        var (vm, _) = mode == BiosDiskMode.Virtio ? Machine(virtio: disk, biosDisk: mode) : Machine(disks: [disk], biosDisk: mode);
        vm.Firmware!.SetProgram(program, SegmentedAddress.BootSector);
        before?.Invoke(vm);
        var outcome = vm.Run(new RunLimits { MaxInstructions = 20_000_000 });
        return (vm, outcome);
    }

    [Theory]
    [MemberData(nameof(BiosDiskModeData.Every), MemberType = typeof(BiosDiskModeData))]
    public void Int13_reads_100_sectors_by_lba_through_each_driver(BiosDiskMode mode)
    {
        byte[] image = PatternDisk(300);
        var disk = Image(image);
        var (vm, outcome) = RunEdd(mode, disk, EddProgram(0x42, 100, 7, 0x1000));
        using var _vm = vm;
        var (baseVm, baseOutcome) = RunEdd(mode, disk, EddProgram(0x42, 100, 7, 0x1000, call: false));
        using var _base = baseVm;

        outcome.End.Should().Be(RunEnd.Halted, outcome.Message);
        baseOutcome.End.Should().Be(RunEnd.Halted, baseOutcome.Message);
        (vm.Memory.Read16(0x7D00) >> 8).Should().Be(0, "AH = 0");
        (vm.Memory.Read16(0x7D02) & 1).Should().Be(0, "CF clear");
        vm.Memory.Read16(0x7C22).Should().Be(100, "the packet says 100 blocks moved");
        vm.Memory.Bytes.Slice(0x10000, 100 * 512).ToArray().Should().Equal(image.AsSpan(7 * 512, 100 * 512).ToArray());
        vm.Memory.Read8(0x10000 + 100 * 512).Should().Be(0, "nothing past the buffer");
        vm.Memory.Read8(0x474).Should().Be(0, "the last status is kept in the BDA");

        // What the one call cost, beyond the same program without it (docs/IO-PATHS.md, "Through the BIOS").
        long ata = vm.Stats.CountOfDevice("ata0") - baseVm.Stats.CountOfDevice("ata0");
        long busMaster = vm.Stats.CountOfDevice("ata-bm") - baseVm.Stats.CountOfDevice("ata-bm");
        long hypercalls = vm.Stats.CountOf(ExitReason.Hypercall) - baseVm.Stats.CountOf(ExitReason.Hypercall);
        long io = vm.Stats.CountOf(ExitReason.Io) - baseVm.Stats.CountOf(ExitReason.Io);
        long mmio = vm.Stats.CountOf(ExitReason.Mmio) - baseVm.Stats.CountOf(ExitReason.Mmio);
        long all = vm.Stats.TotalExits - baseVm.Stats.TotalExits;
        switch (mode)
        {
            case BiosDiskMode.Hypercall:
                (ata, busMaster, hypercalls, all).Should().Be((0L, 0L, 1L, 1L), "the VMM does the whole call in one exit");
                break;
            case BiosDiskMode.Pio:
                ata.Should().BeGreaterThan(100 * 256, "one exit per data word, and the task file and status reads");
                busMaster.Should().Be(0);
                hypercalls.Should().Be(0, "guest code drives the controller");
                break;
            case BiosDiskMode.Dma:
                ata.Should().BeInRange(1, 30, "the task file, the command and the status");
                busMaster.Should().BeInRange(1, 20, "the PRD address, the start and stop, the status");
                hypercalls.Should().Be(0);
                all.Should().BeLessThan(100, "the data moves without exits");
                break;
            case BiosDiskMode.Virtio:
                (ata, busMaster, hypercalls, io).Should().Be((0L, 0L, 0L, 0L), "no ATA port, no hypercall: the request is in guest memory");
                mmio.Should().Be(1, "one QueueNotify for the one request (completion is polled in RAM)");
                all.Should().Be(mmio);
                break;
        }
    }

    [Fact]
    public void Virtio_post_takes_2_kib_from_the_top_of_memory_for_the_rings_and_reports_it_like_an_ebda()
    {
        var (vm, outcome) = RunEdd(BiosDiskMode.Virtio, Image(PatternDisk(300)), EddProgram(0x42, 100, 7, 0x1000));
        using var _vm = vm;
        outcome.End.Should().Be(RunEnd.Halted, outcome.Message);
        vm.Memory.Read16(0x413).Should().Be(638, "0040:0013 (INT 12h) lowered by the block");
        vm.Memory.Read16(0x40E).Should().Be(0x9F80, "0040:000E points at it");
        vm.Memory.Read8(0x9F800).Should().Be(2, "its first byte is its size in KiB");
        vm.VirtioTransport!.Status.Should().Be(0x0Fu, "ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK");

        var (pio, _) = RunEdd(BiosDiskMode.Pio, Image(PatternDisk(300)), EddProgram(0x42, 100, 7, 0x1000));
        using var _pio = pio;
        (pio.Memory.Read16(0x413), pio.Memory.Read16(0x40E)).Should().Be(((ushort)640, (ushort)0), "only the virtio driver takes memory");
    }

    [Fact]
    public void Pio_costs_hundreds_of_times_the_exits_of_dma_for_the_same_read()
    {
        var disk = Image(PatternDisk(300));
        long Cost(BiosDiskMode mode)
        {
            var (vm, _) = RunEdd(mode, disk, EddProgram(0x42, 100, 0, 0x1000));
            using var _vm = vm;
            var (baseVm, _) = RunEdd(mode, disk, EddProgram(0x42, 100, 0, 0x1000, call: false));
            using var _base = baseVm;
            return vm.Stats.TotalExits - baseVm.Stats.TotalExits;
        }
        long pio = Cost(BiosDiskMode.Pio), dma = Cost(BiosDiskMode.Dma);
        pio.Should().BeGreaterThan(200 * dma, $"PIO {pio} exits, DMA {dma}");
    }

    [Theory]
    [MemberData(nameof(BiosDiskModeData.Every), MemberType = typeof(BiosDiskModeData))]
    public void Int13_writes_land_in_the_image_file(BiosDiskMode mode)
    {
        byte[] image = PatternDisk(300);
        var disk = Image(image);
        byte[] data = Enumerable.Range(0, 100 * 512).Select(i => (byte)(i * 13 + 5)).ToArray();
        var (vm, outcome) = RunEdd(mode, disk, EddProgram(0x43, 100, 150, 0x2000), vm => vm.Memory.Load(0x20000, data));
        outcome.End.Should().Be(RunEnd.Halted, outcome.Message);
        (vm.Memory.Read16(0x7D00) >> 8).Should().Be(0, "AH = 0");
        vm.Dispose();

        byte[] after = File.ReadAllBytes(disk.Path);
        after.AsSpan(150 * 512, 100 * 512).ToArray().Should().Equal(data);
        after.AsSpan(0, 150 * 512).ToArray().Should().Equal(image.AsSpan(0, 150 * 512).ToArray(), "the sectors before are untouched");
        after.AsSpan(250 * 512).ToArray().Should().Equal(image.AsSpan(250 * 512).ToArray(), "and those after");
    }

    [Theory]
    [InlineData(BiosDiskMode.Pio, CpuModel.I8086)]
    [InlineData(BiosDiskMode.Pio, CpuModel.I286)]
    [InlineData(BiosDiskMode.Dma, CpuModel.I386)]
    [InlineData(BiosDiskMode.Virtio, CpuModel.I386)]
    public void A_chs_read_that_would_pass_the_end_of_the_segment_fails_with_ah_09_and_writes_nothing(BiosDiskMode mode, CpuModel cpu)
    {
        // ES:BX = 1000:FE00, two sectors: the second would wrap to 1000:0000.
        byte[] program =
        [
            0xB8, 0x00, 0x10, 0x8E, 0xC0,   // mov ax, 1000h / mov es, ax
            0xBB, 0x00, 0xFE,               // mov bx, FE00h
            0xB8, 0x02, 0x02,               // mov ax, 0202h
            0xB9, 0x01, 0x00,               // mov cx, 0001h
            0xBA, 0x80, 0x00,               // mov dx, 0080h
            0xCD, 0x13,                     // int 13h
            0xA3, 0x00, 0x7D,               // mov [7D00h], ax
            0x9C, 0x58, 0xA3, 0x02, 0x7D,   // pushf / pop ax / mov [7D02h], ax
            0xFA, 0xF4,                     // cli / hlt
        ];
        var (vm, _) = mode == BiosDiskMode.Virtio
            ? Machine(virtio: Image(PatternDisk(64)), cpu: cpu, biosDisk: mode)
            : Machine(disks: [Image(PatternDisk(64))], cpu: cpu, biosDisk: mode);
        using var _vm = vm;
        vm.Firmware!.SetProgram(program, SegmentedAddress.BootSector);
        var outcome = vm.Run(new RunLimits { MaxInstructions = 5_000_000 });

        outcome.End.Should().Be(RunEnd.Halted, outcome.Message);
        vm.Memory.Read16(0x7D00).Should().Be(0x0900, "AH = 09h, AL = 0 sectors");
        (vm.Memory.Read16(0x7D02) & 1).Should().Be(1, "CF set");
        vm.Memory.Bytes.Slice(0x10000, 0x10000).ToArray().Should().OnlyContain(b => b == 0);
    }

    [Theory]
    [InlineData(BiosDiskMode.Pio, CpuModel.I386)]
    [InlineData(BiosDiskMode.Dma, CpuModel.I386)]
    [InlineData(BiosDiskMode.Pio, CpuModel.I8086)]
    [InlineData(BiosDiskMode.Virtio, CpuModel.I386)]
    public void The_guest_disk_driver_returns_from_any_register_values(BiosDiskMode mode, CpuModel cpu)
    {
        // virtio: the virtio disk is 80h and the two ATA disks follow as 81h and 82h.
        var (vm, _) = mode == BiosDiskMode.Virtio
            ? Machine(disks: [Image(PatternDisk(40)), Image(PatternDisk(30))], virtio: Image(PatternDisk(300)), cpu: cpu, biosDisk: mode)
            : Machine(disks: [Image(PatternDisk(300)), Image(PatternDisk(40))], cpu: cpu, biosDisk: mode);
        using var _vm = vm;
        // int 13h / out F4h, al (debug exit: the run ends, the machine can run again) / jmp $
        vm.Firmware!.SetProgram([0xCD, 0x13, 0xE6, 0xF4, 0xEB, 0xFE], SegmentedAddress.BootSector);
        vm.Run(new RunLimits { MaxInstructions = 5_000_000 }).End.Should().Be(RunEnd.DebugExit);
        byte[] low = vm.Memory.Bytes[..0x7E00].ToArray(); // IVT, BDA, the program
        byte[] functions = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x0C, 0x0D, 0x10, 0x15, 0x16, 0x41, 0x42, 0x43, 0x44, 0x47, 0x48];
        var random = new Random(77);
        int transfers = 0;
        for (int i = 0; i < 400; i++)
        {
            var cpu0 = vm.Cpu;
            byte ah = random.Next(8) == 0 ? (byte)random.Next(0x100) : functions[random.Next(functions.Length)];
            cpu0.AX = (ushort)(ah << 8 | random.Next(0x100));
            cpu0.BX = (ushort)random.Next(0x10000);
            cpu0.CX = (ushort)random.Next(0x10000);
            cpu0.DX = (ushort)(random.Next(0x100) << 8 | (random.Next(3) == 0 ? random.Next(0x100) : 0x80 + random.Next(3)));
            if (random.Next(2) == 0) // a CHS address inside the disks, now and then
            {
                cpu0.CX = (ushort)random.Next(1, 64);
                cpu0.DX = (ushort)(random.Next(16) << 8 | (cpu0.DX & 0xFF));
            }
            cpu0.SI = (ushort)random.Next(0x10000);
            cpu0.DI = (ushort)random.Next(0x10000);
            cpu0.BP = (ushort)random.Next(0x10000);
            cpu0.DS = (ushort)random.Next(0x1000, 0x10000); // buffers anywhere but the IVT, BDA and program
            cpu0.ES = (ushort)random.Next(0x1000, 0x10000);
            if (random.Next(3) == 0) // a plausible packet where DS:SI points, now and then
            {
                uint dap = ((uint)cpu0.DS << 4) + cpu0.SI;
                if (dap + 0x18 < 0xA0000)
                {
                    var bytes = new byte[0x18];
                    random.NextBytes(bytes);
                    bytes[0] = (byte)(random.Next(2) == 0 ? 0x10 : bytes[0]);
                    bytes[3] = 0;
                    bytes[2] &= 0x7F;
                    bytes[11] = bytes[12] = bytes[13] = bytes[14] = bytes[15] = 0;
                    bytes[10] = 0;
                    bytes[9] = 0;
                    bytes[8] = (byte)random.Next(0x100);
                    bytes[6] = (byte)random.Next(0x10, 0x90); // buffer segment 1000h-8FFFh
                    vm.Memory.Load(dap, bytes);
                }
            }
            cpu0.SS = 0;
            cpu0.SP = 0x7000;
            cpu0.CS = 0;
            cpu0.IP = 0x7C00;
            long before = cpu0.Retired;
            var outcome = vm.Run(new RunLimits { MaxInstructions = 20_000_000 });
            outcome.End.Should().Be(RunEnd.DebugExit, $"iteration {i}: AX={cpu0.AX:X4} {outcome.Message}");
            (cpu0.Retired - before).Should().BeGreaterThan(5, $"iteration {i}: the call ran");
            (((uint)cpu0.CS << 4) + cpu0.IP).Should().Be(0x7C04u, $"iteration {i}: back after the INT 13h");
            if (ah is 0x02 or 0x03 or 0x42 or 0x43 && cpu0.AX >> 8 == 0)
                transfers++;
            vm.Memory.Bytes[..0x400].ToArray().Should().Equal(low[..0x400], $"iteration {i}: the IVT is untouched");
            vm.Memory.Bytes[0x7C00..0x7C06].ToArray().Should().Equal(low[0x7C00..0x7C06], $"iteration {i}");
        }
        transfers.Should().BeGreaterThan(0, "some of the calls moved data (most are refused: that is the point)");
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
