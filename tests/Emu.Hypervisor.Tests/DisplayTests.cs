using Emu.Io.Video;

namespace Emu.Hypervisor.Tests;

/// <summary>The display reads the mode, page and cursor where the BIOS keeps them, and survives any values a guest puts there.</summary>
public sealed class DisplayTests : IDisposable
{
    private readonly VirtualMachine _vm = new(new MachineConfig());

    public void Dispose() => _vm.Dispose();

    private void Bda(uint offset, params byte[] bytes) => _vm.Memory.Load(0x400 + offset, bytes);

    [Fact]
    public void A_bare_machine_shows_the_power_on_80x25_colour_text_mode()
    {
        _vm.Memory.Load(0xB8000, [(byte)'h', 7, (byte)'i', 7]);
        _vm.Display.Mode.Should().Be(new DisplayMode(0x03, ScreenKind.Text, 80, 25, 0xB8000, new TextCursor(0, 0, 1, 1, true)));
        _vm.Display.TextLines()[0].Should().Be("hi");
    }

    [Fact]
    public void The_active_page_and_its_cursor_come_from_the_BIOS_data_area()
    {
        Bda(0x49, 0x03, 80, 0);           // mode 03h, 80 columns
        Bda(0x4E, 0x00, 0x10);            // page 1 starts at B9000
        Bda(0x52, 5, 2);                  // page 1 cursor: column 5, row 2
        Bda(0x60, 0x07, 0x06);            // shape 0607h (CGA lines 6-7)
        Bda(0x62, 1);
        Bda(0x84, 24);
        _vm.Memory.Load(0xB9000, [(byte)'p', 7, (byte)'1', 7]);

        var mode = _vm.Display.Mode;
        mode.PageAddress.Should().Be(0xB9000u);
        mode.Cursor.Should().Be(new TextCursor(2, 5, 13, 15, true), "CGA's lines 6-7 of 8 are lines 13-15 of 16");
        _vm.Display.TextLines()[0].Should().Be("p1");
    }

    [Fact]
    public void Mode_13h_has_no_text_and_draws_320x200()
    {
        Bda(0x49, 0x13, 40, 0);
        _vm.Display.Mode.Kind.Should().Be(ScreenKind.Mode13);
        _vm.Display.TextLines().Should().BeEmpty();
        using var png = new MemoryStream();
        _vm.Display.TryWritePng(png).Should().BeTrue();
        var image = Emu.Tests.Shared.PngPixels.Read(png.ToArray());
        (image.Width, image.Height).Should().Be((320, 200));
    }

    [Fact]
    public void A_mode_it_cannot_draw_is_named_and_nothing_is_written()
    {
        Bda(0x49, 0x12, 80, 0);
        _vm.Display.Mode.Description.Should().Be("12h");
        using var png = new MemoryStream();
        _vm.Display.TryWritePng(png).Should().BeFalse();
        png.Length.Should().Be(0);
    }

    [Theory]
    [InlineData(0x03, 0xFF, 0xFF, 0xFF, 0xFF)]
    [InlineData(0x07, 0x00, 0x00, 0x00, 0x00)]
    [InlineData(0x01, 0x34, 0x12, 0x80, 0x31)]
    public void Hostile_BIOS_data_never_reads_outside_guest_memory(byte mode, byte columnsLow, byte columnsHigh, byte pageHigh, byte rows)
    {
        Bda(0x49, mode, columnsLow, columnsHigh);
        Bda(0x4E, 0xFF, pageHigh);
        Bda(0x50, 0xFF, 0xFF);
        Bda(0x60, 0xFF, 0xFF);
        Bda(0x84, rows);
        using var png = new MemoryStream();
        _vm.Display.TryWritePng(png).Should().BeTrue();
        _vm.Display.TextLines().Should().NotBeEmpty();
    }
}
