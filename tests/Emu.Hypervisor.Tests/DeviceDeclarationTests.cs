using Emu.Io.Bus;
using Emu.Io.Devices;

namespace Emu.Hypervisor.Tests;

/// <summary>
/// A device is added by one declaration and its model: nothing else in the machine has to learn of it. The model
/// here is the marker port the IO bench guests write to (0EB0h, unclaimed in a plain machine); the guest is the
/// shipped ATA PIO bench guest, run bare on the shipped test disk.
/// </summary>
public sealed class DeviceDeclarationTests
{
    [Fact]
    public void A_device_declared_through_the_manager_alone_gets_the_guests_accesses_and_its_exits_are_counted()
    {
        using var vm = new VirtualMachine(new MachineConfig { HardDisks = [new DiskSpec(Path.Combine(RepoPaths.GuestImages, "tests/ata/disk.img"), ReadOnly: true)] });
        var marker = new MarkerPort();
        vm.Devices.Add(DeviceDeclaration.AtPorts(marker, 0x0EB0, 1));

        WriteBenchParameters(vm);
        FlatBinaryLoader.Load(vm.Memory, File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "bench/io/ata-pio.bin")), SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        var outcome = vm.Run(new RunLimits { MaxInstructions = 50_000_000 });

        outcome.ExitCode.Should().Be(33, "every request of the bench workload succeeded");
        marker.Written[0].Should().Be(1, "the measured phase starts");
        marker.Written.Count(b => b == 3).Should().Be(256, "each of the 256 reads of rand4k asks for its checksum");
        marker.Written.Should().Contain(2, "the measured phase ends");
        vm.Stats.CountOfDevice("test-marker").Should().Be(marker.Written.Count, "each OUT to the marker is one exit, counted under the declared name");
        vm.Stats.UnclaimedPortAccesses.Should().Be(0, "the marker's port is claimed now");
    }

    [Fact]
    public void A_removed_device_leaves_its_port_unclaimed()
    {
        using var vm = new VirtualMachine(new MachineConfig());
        var marker = new MarkerPort();
        var declaration = DeviceDeclaration.AtPorts(marker, 0x0EB0, 1);
        vm.Devices.Add(declaration);
        vm.Ports.Write(0x0EB0, 1, 7);

        vm.Devices.Remove(declaration);
        vm.Ports.Write(0x0EB0, 1, 8);

        marker.Written.Should().Equal(7);
        vm.Ports.UnclaimedWrites.Should().Be(1);
    }

    // The parameter block of guest-images/bench/io/bench-io.inc: "EMUB", workload 2 (rand4k), the disk's sectors, a seed.
    private static void WriteBenchParameters(VirtualMachine vm)
    {
        var p = vm.Memory.Bytes.Slice(0x500, 0x20);
        p.Clear();
        "EMUB"u8.CopyTo(p);
        p[4] = 2;
        BitConverter.TryWriteBytes(p[8..], (uint)vm.Disk(0)!.SectorCount);
        BitConverter.TryWriteBytes(p[0x0C..], 1u);
    }

    private sealed class MarkerPort : IIoDevice
    {
        public List<byte> Written { get; } = [];
        public string Name => "test-marker";

        public void Read(uint offset, Span<byte> data) => data.Fill(0xFF);

        public void Write(uint offset, ReadOnlySpan<byte> data) => Written.Add(data[0]);
    }
}
