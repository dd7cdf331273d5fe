using Emu.Memory;

namespace Emu.Memory.Tests;

/// <summary>Guest RAM in a file two processes map: both mappings see one set of bytes, and no file is left behind.</summary>
public sealed class SharedRamStoreTests
{
    [Fact]
    public void Two_mappings_of_one_store_see_the_same_guest_memory()
    {
        using var vmm = SharedRamStore.Create(SharedRamStore.NewPath());
        using var device = SharedRamStore.Open(vmm.Path);
        vmm.Unlink();
        File.Exists(vmm.Path).Should().BeFalse("the name goes once both have mapped it");

        var cpuSide = new GuestMemory(vmm);
        var deviceSide = new GuestMemory(device);
        cpuSide.Write16(0x2000, 0xBEEF);
        deviceSide.TryReadDmaUInt16(0x2000, out ushort seen).Should().BeTrue();
        seen.Should().Be(0xBEEF);
        deviceSide.TryWriteDma(0x3000, [1, 2, 3]).Should().BeTrue();
        cpuSide.Read8(0x3002).Should().Be(3);
    }

    [Fact]
    public void A_store_nobody_opened_is_removed_when_disposed()
    {
        var store = SharedRamStore.Create(SharedRamStore.NewPath());
        File.Exists(store.Path).Should().BeTrue();
        store.Dispose();
        File.Exists(store.Path).Should().BeFalse();
    }

    [Fact]
    public void A_file_of_another_size_is_not_guest_memory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"emu-not-ram-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, new byte[4096]);
        try
        {
            var act = () => SharedRamStore.Open(path);
            act.Should().Throw<InvalidDataException>().WithMessage("*4096 bytes, not the 1118208 bytes of guest memory");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Creating_over_an_existing_file_fails_and_leaves_it_alone()
    {
        string path = Path.Combine(Path.GetTempPath(), $"emu-existing-{Guid.NewGuid():N}");
        File.WriteAllText(path, "keep me");
        try
        {
            var act = () => SharedRamStore.Create(path);
            act.Should().Throw<IOException>();
            File.ReadAllText(path).Should().Be("keep me");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
