using System.Security.Cryptography;
using System.Text;
using Emu.Fuzz;
using Emu.Hypervisor.Snapshots;
using Xunit.Abstractions;

namespace Emu.Hypervisor.Tests.Fuzz;

/// <summary>
/// The <c>cpu</c> fuzz target reuses one machine per configuration, restored from an
/// <see cref="ObjectGraphSnapshot"/> before every input (CpuHarness). That is only sound if the restore is
/// exact: every input must end on a reused machine precisely as on a machine built for it. These tests run
/// the same inputs both ways, interleaved across all 32 configurations so that each reused machine carries
/// the state of a different previous input (reprogrammed PIT and PICs, disk writes, A20, moved bus-master
/// BAR, BIOS data), and compare everything a run leaves: the outcome, the instruction and interrupt counts,
/// every register, all of guest memory and the disk image.
/// </summary>
public class CpuHarnessReuseTests(ITestOutputHelper output)
{
    [Fact]
    public void A_reused_machine_ends_every_run_exactly_as_a_fresh_one()
    {
        var firmware = FuzzInputs.Firmware();
        var programs = FuzzInputs.Programs();
        var rng = new Random(11);
        var inputs = new List<byte[]>();
        for (int i = 0; i < 160; i++)
        {
            // Mostly intact programs, so that runs get far (disk IO, PIT and PIC programming, BIOS services).
            byte[] code = i % 5 == 4 ? FuzzInputs.Random(rng, 512) : FuzzInputs.Mutated(programs, rng, minFlips: 0, maxFlips: 3);
            // Header: model (bits 0-1), the BIOS (bit 2), memory size (bits 3-4): all 32 configurations in turn.
            inputs.Add([(byte)(i * 7 % 32), .. code]);
        }
        // Some inputs again, after others have run on the same machines.
        for (int i = 0; i < 40; i++)
            inputs.Add(inputs[rng.Next(inputs.Count)]);

        using var fresh = new CpuHarness(firmware, reuseMachines: false);
        using var reused = new CpuHarness(firmware);
        var freshRuns = Fingerprints(fresh, inputs);
        var reusedRuns = Fingerprints(reused, inputs);

        for (int i = 0; i < inputs.Count; i++)
            reusedRuns[i].Should().Be(freshRuns[i], $"input {i} ({Convert.ToHexString(inputs[i].AsSpan(0, Math.Min(16, inputs[i].Length)))}...) must end the same on a reused machine");
        // The comparison means something only if the runs did different things.
        freshRuns.Distinct().Count().Should().BeGreaterThan(100);
        reused.WithFirmware.Should().BeGreaterThan(80);
        output.WriteLine($"{inputs.Count} inputs; ends: {string.Join(", ", reused.Ends.Select(e => $"{e.Key} {e.Value}"))}");
    }

    [Fact]
    public void A_snapshot_restores_what_a_run_changed_and_drops_what_it_created()
    {
        var vm = new VirtualMachine(new MachineConfig { Cpu = Cpu.CpuModel.I386 });
        vm.Cpu.Eax = 0x1234;
        var snapshot = new ObjectGraphSnapshot(vm, o => ReferenceEquals(o, vm.Memory.CodeWriteObserver));
        snapshot.Size.LargeBytes.Should().BeGreaterThan(1_000_000, "guest memory is captured");

        // A program that changes registers, memory, the PIC and the PIT.
        vm.Memory.Bytes[0x500] = 0xAB;
        vm.Cpu.Eax = 0xFFFF_0000;
        vm.Cpu.CS = 0x1000;
        vm.Ports.Write(0x21, 1, 0x5A);
        vm.Ports.Write(0x43, 1, 0x34);
        vm.Ports.Write(0x40, 1, 0x10);
        byte imr = (byte)vm.Ports.Read(0x21, 1);
        imr.Should().Be(0x5A);

        snapshot.Restore();

        vm.Memory.Bytes[0x500].Should().Be(0);
        vm.Cpu.Eax.Should().Be(0x1234u);
        vm.Cpu.CS.Should().Be(0xFFFF);
        ((byte)vm.Ports.Read(0x21, 1)).Should().Be(0, "the PIC's mask register is back to its reset value");
        vm.Dispose();
    }

    private static List<string> Fingerprints(CpuHarness harness, List<byte[]> inputs)
    {
        var prints = new List<string>();
        string? last = null;
        harness.AfterRun = (vm, outcome) =>
        {
            var cpu = vm.Cpu;
            var text = new StringBuilder()
                .Append($"{outcome.End} {outcome.ExitCode} {outcome.Message} | retired {cpu.Retired} interrupts {cpu.InterruptsDelivered} | ")
                .Append($"{cpu.Eax:X8} {cpu.Ecx:X8} {cpu.Edx:X8} {cpu.Ebx:X8} {cpu.Esp:X8} {cpu.Ebp:X8} {cpu.Esi:X8} {cpu.Edi:X8} ")
                .Append($"{cpu.CS:X4}:{cpu.IP:X4} {cpu.DS:X4} {cpu.ES:X4} {cpu.SS:X4} {cpu.FS:X4} {cpu.GS:X4} {cpu.Flags:X8} ")
                .Append($"a20 {vm.Memory.A20Enabled} halted {cpu.Halted} | memory {Convert.ToHexString(SHA256.HashData(vm.Memory.Bytes))}");
            last = text.ToString();
        };
        foreach (var input in inputs)
        {
            last = null;
            harness.Run(input);
            prints.Add($"{last} | disk {Convert.ToHexString(SHA256.HashData(harness.DiskContents()))}");
        }
        return prints;
    }
}
