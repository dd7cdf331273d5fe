using Emu.Memory;

namespace Emu.Memory.Tests;

public class GuestMemoryTests
{
    [Fact]
    public void With_A20_off_addresses_wrap_at_one_megabyte_as_on_the_8086()
    {
        var memory = new GuestMemory();
        memory.Write8(0x10_0010, 0xAB);

        memory.Read8(0x00_0010).Should().Be(0xAB);
        memory.Bytes[0x10_0010].Should().Be(0, "the write landed at 0x10 after the wrap");
    }

    [Fact]
    public void With_A20_on_the_high_memory_area_is_separate_memory()
    {
        var memory = new GuestMemory { A20Enabled = true };
        memory.Write8(0x10_FFEF, 0x5A);
        memory.Write8(0x00_FFEF, 0x11);

        memory.Read8(0x10_FFEF).Should().Be(0x5A);
        memory.Read8(0x00_FFEF).Should().Be(0x11);
    }

    [Fact]
    public void A_word_at_the_top_of_memory_wraps_its_second_byte_to_address_zero()
    {
        var memory = new GuestMemory();
        memory.Write16(0xF_FFFF, 0xBEEF);

        memory.Bytes[0xF_FFFF].Should().Be(0xEF);
        memory.Bytes[0].Should().Be(0xBE);
        memory.Read16(0xF_FFFF).Should().Be(0xBEEF);
    }

    [Fact]
    public void Rom_ignores_guest_writes_but_loads_images()
    {
        var memory = new GuestMemory();
        memory.Map(0xF_0000, 0x1_0000, PageKind.Rom);
        memory.Load(0xF_0000, [1, 2, 3, 4]);

        memory.Write32(0xF_0000, 0xFFFF_FFFF);

        memory.Read32(0xF_0000).Should().Be(0x0403_0201);
    }

    [Fact]
    public void Unmapped_addresses_read_all_ones_and_drop_writes()
    {
        var memory = new GuestMemory();
        memory.Map(0xA_0000, 0x1000, PageKind.Unmapped);

        memory.Write16(0xA_0000, 0x1234);

        memory.Read16(0xA_0000).Should().Be(0xFFFF);
        memory.Bytes[0xA_0000].Should().Be(0);
    }

    [Fact]
    public void Mmio_pages_hand_whole_accesses_to_the_handler()
    {
        var (memory, handler) = WithMmioPageAtD0000(nextRead: 0xCAFE_F00D);

        memory.Read32(0xD_0050).Should().Be(0xCAFE_F00D);
        memory.Write32(0xD_0070, 0x1234_5678);

        handler.Accesses.Should().Equal("R D0050/4", "W D0070/4=12345678");
    }

    [Fact]
    public void An_access_straddling_ram_and_mmio_is_split_by_page()
    {
        var (memory, handler) = WithMmioPageAtD0000(nextRead: 0xAA);
        memory.Bytes[0xC_FFFF] = 0x55;

        memory.Read16(0xC_FFFF).Should().Be(0xAA55);
        handler.Accesses.Should().Equal("R D0000/1");
    }

    [Fact]
    public void Dma_never_reaches_outside_ram()
    {
        var memory = new GuestMemory();
        memory.Map(0xD_0000, 0x1000, PageKind.Mmio);
        memory.Map(0xF_0000, 0x1_0000, PageKind.Rom);
        var buffer = new byte[512];

        memory.TryWriteDma(0x1000, buffer).Should().BeTrue();
        memory.TryWriteDma(0xC_FF00, buffer).Should().BeFalse("the range runs into an MMIO page");
        memory.TryWriteDma(0xE_FF00, buffer).Should().BeFalse("the range runs into ROM");
        memory.TryReadDma(GuestMemory.Size - 100, buffer).Should().BeFalse("the range runs past guest memory");
        memory.TryReadDma(ulong.MaxValue - 10, buffer).Should().BeFalse("the address arithmetic must not overflow");
        memory.TryReadDma(0x2000, buffer).Should().BeTrue();
    }

    [Fact]
    public void A_failed_dma_write_changes_nothing()
    {
        var memory = new GuestMemory();
        memory.Map(0xD_0000, 0x1000, PageKind.Mmio);
        var data = Enumerable.Repeat((byte)0x77, 0x200).ToArray();

        memory.TryWriteDma(0xC_FF00, data).Should().BeFalse();

        memory.Bytes.Slice(0xC_FF00, 0x100).ToArray().Should().OnlyContain(b => b == 0);
    }

    [Fact]
    public void Writes_to_marked_code_bytes_are_reported_and_others_are_not()
    {
        var memory = new GuestMemory();
        var observer = new RecordingObserver();
        memory.CodeWriteObserver = observer;
        memory.MarkCode(0x7C00, 3);

        memory.Write8(0x7C03, 1);
        memory.Write16(0x7BFF, 0x0101);
        memory.TryWriteDma(0x7C02, new byte[4]).Should().BeTrue();

        observer.Written.Should().Equal(0x7C00u, 0x7C02u);
    }

    /// <summary>Memory whose page at D0000h is MMIO, handed to a handler that records each access and reads
    /// <paramref name="nextRead"/>.</summary>
    private static (GuestMemory Memory, RecordingMmio Handler) WithMmioPageAtD0000(uint nextRead)
    {
        var handler = new RecordingMmio { NextRead = nextRead };
        var memory = new GuestMemory { MmioHandler = handler };
        memory.Map(0xD_0000, 0x1000, PageKind.Mmio);
        return (memory, handler);
    }

    private sealed class RecordingMmio : IMmioHandler
    {
        public uint NextRead;
        public List<string> Accesses { get; } = [];

        public uint MmioRead(uint physicalAddress, int size)
        {
            Accesses.Add($"R {physicalAddress:X5}/{size}");
            return NextRead;
        }

        public void MmioWrite(uint physicalAddress, int size, uint value) =>
            Accesses.Add($"W {physicalAddress:X5}/{size}={value:X}");
    }

    private sealed class RecordingObserver : ICodeWriteObserver
    {
        public List<uint> Written { get; } = [];
        public void CodeWritten(uint physicalAddress) => Written.Add(physicalAddress);
    }
}
