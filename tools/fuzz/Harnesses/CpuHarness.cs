using Emu.Cpu;
using Emu.Hypervisor;
using Emu.Hypervisor.Firmware;
using Emu.Hypervisor.Loader;
using Emu.Hypervisor.Snapshots;
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
///
/// Building a machine per input (about 9 MiB of arrays: guest memory, the decode cache) and running POST
/// per input cost ~5 ms, nearly all of it allocation, page faults, zeroing and garbage collection, which held
/// AFL to ~200 executions a second. So by default each of the 32 configurations (model x BIOS x memory) has
/// one machine, built once and captured by an <see cref="ObjectGraphSnapshot"/>: a bare machine right after
/// construction, a BIOS machine at the end of POST, just before the VMCALL that loads the boot program (so the
/// BIOS itself still loads each input, on the same instruction as on a fresh machine). Every input starts
/// from the restored snapshot with an empty decode cache, as on a new machine; CpuHarnessReuseTests checks
/// that a reused machine ends every run exactly as a fresh one does.
/// </summary>
public sealed class CpuHarness : IDisposable
{
    public const long Budget = 20_000;
    /// <summary>The BIOS's share of the budget (POST takes about 1,900 instructions).</summary>
    public const long PostBudget = 10_000;
    public const uint RomPage = 0xC_8000, MmioPage = 0xD_8000;
    private const int DiskBytes = 64 * 1024;

    private static readonly CpuModel[] Models = [CpuModel.I8086, CpuModel.I186, CpuModel.I286, CpuModel.I386];
    private static readonly int[] MemorySizes = [640, 512, 256, 96];

    private readonly byte[]? _firmware;
    private readonly bool _reuse;
    private readonly string _disk;
    private readonly byte[] _diskImage;
    private readonly Machine?[] _machines = new Machine?[32];

    /// <param name="firmware">The BIOS image (guest-images/firmware/bios.bin), or null to fuzz bare machines only.</param>
    /// <param name="reuseMachines">False: build a new machine for every input (the reference the reused machines
    /// are compared with in the tests).</param>
    public CpuHarness(byte[]? firmware, bool reuseMachines = true)
    {
        _firmware = firmware;
        _reuse = reuseMachines;
        // The scratch disk lives in tmpfs where there is one: FLUSH CACHE (fsync) there costs nothing. Its file
        // name is always the same (a directory of its own keeps it unique), because the drive's IDENTIFY serial
        // number is derived from it: the guest sees the same disk in every harness and every process.
        string dir = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"emu-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        _disk = Path.Combine(dir, "scratch.img");
        _diskImage = AtaHarness.Pattern(DiskBytes / 512, 3);
        File.WriteAllBytes(_disk, _diskImage);
    }

    /// <summary>How far the runs got, summed over all inputs.</summary>
    public long Runs, Instructions, WithFirmware;
    public readonly Dictionary<RunEnd, long> Ends = [];

    /// <summary>Told of every run's machine and outcome after the checks passed (tests compare machines).</summary>
    public Action<VirtualMachine, RunOutcome>? AfterRun { get; set; }

    /// <summary>Builds the machine of every configuration now, so that the first input of each does not run
    /// construction and POST (under AFL those edges would show in one execution only: an unstable input).</summary>
    public void Prepare()
    {
        for (int key = 0; key < _machines.Length; key++)
        {
            if (_firmware is not null || (key & 4) == 0)
                _machines[key] ??= Build(key);
        }
    }

    public void Run(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
            return;
        byte header = data[0];
        // An empty program is HLT (the loaders refuse empty images, which is no guest event).
        byte[] code = data.Length == 1 ? [0xF4] : data[1..Math.Min(data.Length, 0x8001)].ToArray();
        bool firmware = (header & 4) != 0 && _firmware is not null;
        int key = (header & 3) | (firmware ? 4 : 0) | (header & 0x18);

        File.WriteAllBytes(_disk, _diskImage); // every run starts from the same disk
        Machine? fresh = null;
        Machine m;
        if (_reuse)
        {
            // The decode cache is not in the snapshot: it is empty here (Build, and the end of every run, flush it).
            m = _machines[key] ??= Build(key);
            m.Snapshot!.Restore();
        }
        else
        {
            m = fresh = NewMachine(key);
        }
        try
        {
            var vm = m.Vm;
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
            var guard = m.Guard ?? new NonRamGuard(vm.Memory);

            // The budget counts from reset: POST's instructions are part of it on a reused machine too.
            long budget = Budget + (firmware ? PostBudget : 0);
            var outcome = vm.Run(new RunLimits { MaxInstructions = budget - vm.Cpu.Retired, Timeout = TimeSpan.FromSeconds(10) });
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
            AfterRun?.Invoke(vm, outcome);
        }
        finally
        {
            // Emptied now rather than before the next input: the flush's work follows this input's entries, so
            // AFL sees the same branches for the same input whatever ran before it, and the next input starts
            // with an empty cache, as on a new machine.
            m.Vm.Cpu.FlushDecodeCache();
            fresh?.Vm.Dispose();
        }
    }

    /// <summary>The disk image as the last run left it.</summary>
    public byte[] DiskContents() => File.ReadAllBytes(_disk);

    /// <summary>A machine of configuration <paramref name="key"/> as every input starts on it: built, the extra
    /// ROM and MMIO pages mapped, and with the BIOS run to the end of POST; then captured.</summary>
    private Machine Build(int key)
    {
        var m = NewMachine(key);
        try
        {
            // The non-RAM pages as they are before POST, as on a fresh machine; each run starts from them again.
            var guard = new NonRamGuard(m.Vm.Memory);
            if ((key & 4) != 0)
            {
                long post = InstructionsBeforeStartProgram(key);
                var end = m.Vm.Run(new RunLimits { MaxInstructions = post });
                if (end.End != RunEnd.InstructionLimit || m.Vm.Cpu.Retired != post)
                    throw new InvalidOperationException($"POST did not reach {post} instructions the second time: {end.Message}");
                guard.Check("after POST");
            }
            // Captured with an empty decode cache (and so no code marks), the state every input starts from.
            m.Vm.Cpu.FlushDecodeCache();
            var opaque = m.Vm.Memory.CodeWriteObserver;
            return m with { Snapshot = new ObjectGraphSnapshot(m.Vm, o => ReferenceEquals(o, opaque)), Guard = guard };
        }
        catch
        {
            m.Vm.Dispose();
            throw;
        }
    }

    /// <summary>How many instructions POST retires before its StartProgram hypercall (VMCALL), found on a
    /// throwaway machine: the same on every run of a configuration, as the machine is deterministic.</summary>
    private long InstructionsBeforeStartProgram(int key)
    {
        long? at = null;
        using var probe = NewMachine(key, new Dictionary<ushort, Action<VirtualMachine>>
        {
            [Hypercall.StartProgram] = vm => at ??= vm.Cpu.Retired, // runs before the firmware's own StartProgram
        }).Vm;
        probe.Firmware!.SetProgram([0xF4], SegmentedAddress.BootSector);
        probe.Run(new RunLimits { MaxInstructions = PostBudget });
        return at ?? throw new InvalidOperationException($"POST did not start the program within {PostBudget} instructions");
    }

    private Machine NewMachine(int key, IReadOnlyDictionary<ushort, Action<VirtualMachine>>? hypercalls = null)
    {
        var vm = new VirtualMachine(new MachineConfig
        {
            Cpu = Models[key & 3],
            MemoryKiB = MemorySizes[(key >> 3) & 3],
            HardDisks = [new DiskSpec(_disk)],
            Firmware = (key & 4) != 0 ? _firmware : null,
            Hypercalls = hypercalls ?? new Dictionary<ushort, Action<VirtualMachine>>(),
        });
        NonRamGuard.Place(vm.Memory, RomPage, PageKind.Rom, 0x77);
        NonRamGuard.Place(vm.Memory, MmioPage, PageKind.Mmio, 0x88);
        return new Machine(vm, null, null);
    }

    public void Dispose()
    {
        foreach (var m in _machines)
            m?.Vm.Dispose();
        Directory.Delete(Path.GetDirectoryName(_disk)!, recursive: true);
    }

    private sealed record Machine(VirtualMachine Vm, ObjectGraphSnapshot? Snapshot, NonRamGuard? Guard);
}
