namespace Emu.Hypervisor.Tests.Remote;

/// <summary>The VMM's side of the hop allocates nothing per access (counted alone, from a collected heap).</summary>
[Collection(AllocationCounting.Name)]
public sealed class DeviceProcessAllocationTests : IDisposable
{
    private readonly TempFolder _dir = new("emu-remote-alloc-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Forwarding_an_access_allocates_nothing_in_the_VMM()
    {
        string disk = _dir["disk.img"];
        File.Copy(Path.Combine(RepoPaths.GuestImages, "tests", "ata", "disk.img"), disk);
        string socket = _dir["alloc.sock"];
        using var server = new OneSessionServer(socket, disk);
        using (var vm = new VirtualMachine(new MachineConfig { DeviceProcess = socket }))
        {
            for (int i = 0; i < 1000; i++)
                vm.Ports.Read(0x1F7, 1); // warm up: JIT, first-call paths
            AllocationCounting.SteadyStateBytes(() =>
            {
                for (int i = 0; i < 10_000; i++)
                {
                    vm.Ports.Read(0x1F7, 1);
                    vm.Ports.Write(0x1F2, 1, (uint)i & 0xFF);
                }
            }).Should().Be(0, "a forwarded access is a message in a reused buffer and a blocking wait");
            vm.DeviceProcess!.Requests.Should().BeGreaterThanOrEqualTo(21_000);
        }
        server.SessionEnded().Should().BeTrue();
    }
}
