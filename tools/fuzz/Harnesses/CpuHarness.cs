using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Loader;
using Emu.Io.Storage;
using Emu.Memory;

namespace Emu.Fuzz;

/// <summary>
/// The <c>cpu</c> target: the input is guest code loaded at 0000:7C00 on a whole machine (PC platform,
/// PIIX IDE with a scratch disk, PCI, and with bit 2 of the first byte the BIOS, which then does POST and
/// jumps to the code as it would to a boot sector). The first byte also picks the CPU model (bits 0-1) and
/// the conventional memory size (bits 3-4: 640, 512, 256 or 96 KiB, leaving an unmapped hole below A0000).
/// A ROM page at C8000 and an MMIO page with no device at D8000 are added.
///
/// Checked: no host exception; the run ends as a guest event within the instruction budget (and well
/// within a wall-clock bound); no non-RAM page changed (ROM, the BIOS, the MMIO page, the hole).
/// </summary>
public sealed class CpuHarness : IDisposable
{
    public const long Budget = 20_000;
    public const uint RomPage = 0xC_8000, MmioPage = 0xD_8000;
    private const int DiskBytes = 64 * 1024;

    private static readonly CpuModel[] Models = [CpuModel.I8086, CpuModel.I186, CpuModel.I286, CpuModel.I386];
    private static readonly int[] MemorySizes = [640, 512, 256, 96];

    private readonly byte[]? _firmware;
    private readonly string _disk;
    private readonly byte[] _diskImage;

    /// <param name="firmware">The BIOS image (guest-images/firmware/bios.bin), or null to fuzz bare machines only.</param>
    public CpuHarness(byte[]? firmware)
    {
        _firmware = firmware;
        // The scratch disk lives in tmpfs where there is one: FLUSH CACHE (fsync) there costs nothing.
        string dir = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _disk = Path.Combine(dir, $"emu-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}.img");
        _diskImage = AtaHarness.Pattern(DiskBytes / 512, 3);
    }

    /// <summary>How far the runs got, summed over all inputs.</summary>
    public long Runs, Instructions, WithFirmware;
    public readonly Dictionary<RunEnd, long> Ends = [];

    public void Run(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
            return;
        byte header = data[0];
        // An empty program is HLT (the loaders refuse empty images, which is no guest event).
        byte[] code = data.Length == 1 ? [0xF4] : data[1..Math.Min(data.Length, 0x8001)].ToArray();
        bool firmware = (header & 4) != 0 && _firmware is not null;

        File.WriteAllBytes(_disk, _diskImage); // every run starts from the same disk
        using var vm = new VirtualMachine(new MachineConfig
        {
            Cpu = Models[header & 3],
            MemoryKiB = MemorySizes[(header >> 3) & 3],
            HardDisks = [new DiskSpec(_disk)],
            Firmware = firmware ? _firmware : null,
        });
        NonRamGuard.Paint(vm.Memory, RomPage, 0x77);
        NonRamGuard.Paint(vm.Memory, MmioPage, 0x88);
        vm.Memory.Map(RomPage, GuestMemory.PageSize, PageKind.Rom);
        vm.Memory.Map(MmioPage, GuestMemory.PageSize, PageKind.Mmio);
        if (firmware)
        {
            vm.Firmware!.SetProgram(code, SegmentedAddress.BootSector);
            WithFirmware++;
        }
        else
        {
            FlatBinaryLoader.Load(vm.Memory, code, SegmentedAddress.BootSector);
            BareStart.Prepare(vm, SegmentedAddress.BootSector);
        }
        var guard = new NonRamGuard(vm.Memory);

        // POST (about 1,900 instructions) runs first when there is firmware; the budget is for the guest code after it.
        long budget = Budget + (firmware ? 10_000 : 0);
        var outcome = vm.Run(new RunLimits { MaxInstructions = budget, Timeout = TimeSpan.FromSeconds(10) });
        Runs++;
        Instructions += vm.Cpu.Retired;
        Ends[outcome.End] = Ends.GetValueOrDefault(outcome.End) + 1;

        if (outcome.End is RunEnd.Timeout or RunEnd.Cancelled)
            throw new FuzzPropertyException($"the run did not end by itself within {budget} instructions: {outcome.Message}");
        if (vm.Cpu.Retired > budget + 1)
            throw new FuzzPropertyException($"{vm.Cpu.Retired} instructions retired, budget {budget}");
        if (string.IsNullOrWhiteSpace(outcome.Message) || outcome.Message.Contains('\n'))
            throw new FuzzPropertyException($"the outcome is not one line: '{outcome.Message}'");
        guard.Check($"after a run ending '{outcome.Message}'");
    }

    public void Dispose() => File.Delete(_disk);
}
