using Emu.Io.Video;

namespace Emu.Io.Tests;

public class VgaDacTests
{
    private static void Out(VgaDac dac, uint offset, byte value) => ((Bus.IIoDevice)dac).Write(offset, [value]);

    private static byte In(VgaDac dac, uint offset)
    {
        Span<byte> b = stackalloc byte[1];
        ((Bus.IIoDevice)dac).Read(offset, b);
        return b[0];
    }

    [Fact]
    public void The_default_palette_is_the_vga_bios_one()
    {
        var dac = new VgaDac();
        dac[1].Should().Be(((byte)0, (byte)0, (byte)0x2A), "EGA blue");
        dac[6].Should().Be(((byte)0x2A, (byte)0x15, (byte)0), "EGA brown");
        dac[31].Should().Be(((byte)0x3F, (byte)0x3F, (byte)0x3F), "the grey ramp ends in white");
        dac[32].Should().Be(((byte)0, (byte)0, (byte)0x3F), "the first hue wheel starts at blue");
        dac[40].Should().Be(((byte)0x3F, (byte)0, (byte)0), "and reaches red eight entries on");
        dac[255].Should().Be(((byte)0, (byte)0, (byte)0));
    }

    [Fact]
    public void Entries_are_written_and_read_three_components_at_a_time_with_auto_increment()
    {
        var dac = new VgaDac();
        Out(dac, 2, 10);
        foreach (byte v in new byte[] { 1, 2, 3, 0xFF, 5, 6 })
            Out(dac, 3, v);

        dac[10].Should().Be(((byte)1, (byte)2, (byte)3));
        dac[11].Should().Be(((byte)0x3F, (byte)5, (byte)6), "components are 6 bits");

        Out(dac, 1, 11);
        new[] { In(dac, 3), In(dac, 3), In(dac, 3) }.Should().Equal(0x3F, 5, 6);
        In(dac, 1).Should().Be(3, "the state register reports read mode");
    }

    [Fact]
    public void Mode13_pixels_take_their_colour_from_the_dac()
    {
        var memory = new GuestMemory();
        var dac = new VgaDac();
        memory.Bytes[(int)Mode13Screen.Base] = 4;      // red
        memory.Bytes[(int)Mode13Screen.Base + 1] = 200;
        Out(dac, 2, 200);
        Out(dac, 3, 0x3F); Out(dac, 3, 0); Out(dac, 3, 0x3F);

        var rgb = new Mode13Screen(memory, dac).RenderRgb();

        rgb[..6].Should().Equal(0xAA, 0, 0, 0xFF, 0, 0xFF);
    }

    [Fact]
    public void The_png_has_the_signature_and_size_of_the_image()
    {
        var stream = new MemoryStream();
        PngWriter.Write(stream, 2, 1, [1, 2, 3, 4, 5, 6]);
        var png = stream.ToArray();

        png[..8].Should().Equal(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A);
        png[16..24].Should().Equal(0, 0, 0, 2, 0, 0, 0, 1);
    }
}
