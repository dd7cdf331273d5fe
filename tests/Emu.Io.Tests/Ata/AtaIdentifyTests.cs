namespace Emu.Io.Tests.Ata;

public class AtaIdentifyTests
{
    private static string AtaString(ushort[] words, int first, int count)
    {
        var chars = new char[count * 2];
        for (int i = 0; i < count; i++)
        {
            chars[2 * i] = (char)(words[first + i] >> 8);
            chars[2 * i + 1] = (char)(words[first + i] & 0xFF);
        }
        return new string(chars);
    }

    [Fact]
    public void Identify_raises_one_interrupt_and_returns_256_words_then_status_50()
    {
        var rig = new AtaRig();
        rig.Identify();
        rig.Irq14.RisingEdges.Should().Be(1);
        rig.In(AtaRig.Status).Should().Be(0x50);
        rig.In16(AtaRig.Data).Should().Be(0);
    }

    [Fact]
    public void The_model_string_has_its_first_character_in_the_high_byte()
    {
        var id = new AtaRig().Identify();
        id[27].Should().Be(('E' << 8) | 'M');
        id[28].Should().Be(('U' << 8) | ' ');
        AtaString(id, 27, 20).Should().Be("EMU HARDDISK".PadRight(40));
        AtaString(id, 23, 4).Should().Be("1.0".PadRight(8));
    }

    [Fact]
    public void The_serial_is_derived_deterministically_from_the_image_name_and_size()
    {
        var id = new AtaRig().Identify();
        string serial = AtaString(id, 10, 10);
        serial.Should().Be(AtaDrive.DeriveSerial("disk.img", 2048 * 512).PadRight(20));
        serial.Should().StartWith("EMU");
        AtaDrive.DeriveSerial("/some/dir/disk.img", 1024).Should().Be(AtaDrive.DeriveSerial("disk.img", 1024));
        AtaDrive.DeriveSerial("disk.img", 1024).Should().NotBe(AtaDrive.DeriveSerial("disk.img", 2048));
        AtaDrive.DeriveSerial("a.img", 1024).Should().NotBe(AtaDrive.DeriveSerial("b.img", 1024));
    }

    [Fact]
    public void Geometry_capacity_and_feature_words_follow_the_image_size()
    {
        // 100 MiB = 204800 sectors: 203 cylinders of 16 x 63.
        var id = new AtaRig(new MemoryBackend(100L * 1024 * 1024)).Identify();
        id[0].Should().Be(0x0040);
        id[1].Should().Be(203);
        id[3].Should().Be(16);
        id[6].Should().Be(63);
        id[47].Should().Be(0x8010);
        id[48].Should().Be(1);
        (id[49] & 0x0300).Should().Be(0x0300, "LBA and DMA");
        id[53].Should().Be(7);
        id[54].Should().Be(203);
        id[55].Should().Be(16);
        id[56].Should().Be(63);
        (id[57] | (id[58] << 16)).Should().Be(203 * 16 * 63);
        id[59].Should().Be(0x0110, "multiple mode on with 16 sectors");
        (id[60] | (id[61] << 16)).Should().Be(204800);
        id[62].Should().Be(0x0007);
        id[63].Should().Be(0x0407);
        id[88].Should().Be(0x003F);
        (id[83] & 0x7400).Should().Be(0x7400, "bit 14 set, FLUSH EXT, FLUSH, LBA48");
        (id[86] & 0x3400).Should().Be(0x3400);
        (id[82] & 0x0020).Should().Be(0x0020);
        (id[85] & 0x0020).Should().Be(0x0020, "write cache enabled");
        ((long)id[100] | ((long)id[101] << 16) | ((long)id[102] << 32) | ((long)id[103] << 48)).Should().Be(204800);
    }

    [Fact]
    public void Huge_disks_clamp_cylinders_and_the_lba28_count()
    {
        var drive = new AtaDrive(new HugeBackend(1L << 30)); // 512 GiB
        var block = new byte[512];
        drive.BuildIdentify(block, isSlave: false, otherPresent: false);
        ushort W(int i) => (ushort)(block[2 * i] | (block[2 * i + 1] << 8));
        W(1).Should().Be(16383);
        (W(60) | (W(61) << 16)).Should().Be(0x0FFF_FFFF);
        ((long)W(100) | ((long)W(101) << 16) | ((long)W(102) << 32)).Should().Be(1L << 30);
    }

    [Fact]
    public void Word_255_holds_the_signature_and_a_checksum_that_zeroes_the_byte_sum()
    {
        var id = new AtaRig().Identify();
        (id[255] & 0xFF).Should().Be(0xA5);
        int sum = id.Sum(w => (w & 0xFF) + (w >> 8));
        (sum & 0xFF).Should().Be(0);
    }

    [Fact]
    public void Set_multiple_shows_in_word_59()
    {
        var rig = new AtaRig();
        rig.Out(AtaRig.Count, 8);
        rig.Out(AtaRig.Command, AtaCommand.SetMultiple);
        rig.Identify()[59].Should().Be(0x0108);
    }

    private sealed class HugeBackend(long sectors) : IBlockBackend
    {
        public long CapacityBytes => sectors * 512;
        public long SectorCount => sectors;
        public bool ReadOnly => true;
        public BlockStatus Read(long offset, Span<byte> destination) => BlockStatus.Ok;
        public BlockStatus Write(long offset, ReadOnlySpan<byte> source) => BlockStatus.ReadOnly;
        public BlockStatus Flush() => BlockStatus.Ok;
        public void Dispose()
        {
        }
    }
}
