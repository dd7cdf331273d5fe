namespace Emu.Io.Tests.Storage;

public class DiskSpecTests
{
    [Theory]
    [InlineData("disk.img", "disk.img", false, CacheMode.Writeback)]
    [InlineData("disk.img,readonly", "disk.img", true, CacheMode.Writeback)]
    [InlineData("d.img,cache=writethrough", "d.img", false, CacheMode.Writethrough)]
    [InlineData("d.img,cache=writeback,readonly", "d.img", true, CacheMode.Writeback)]
    [InlineData("a,,b.img,readonly", "a,b.img", true, CacheMode.Writeback)]
    [InlineData("/tmp/x y.img", "/tmp/x y.img", false, CacheMode.Writeback)]
    public void Valid_specs_parse(string text, string path, bool readOnly, CacheMode cache)
    {
        var spec = DiskSpec.Parse(text);
        spec.Should().Be(new DiskSpec(path, readOnly, cache));
        DiskSpec.Parse(spec.ToString()).Should().Be(spec, "ToString gives the spec back");
    }

    [Theory]
    [InlineData("", DiskSpecFault.Empty, "")]
    [InlineData(",readonly", DiskSpecFault.NoFileName, "")]
    [InlineData("d.img,ro", DiskSpecFault.UnknownOption, "ro")]
    [InlineData("d.img,cache=none", DiskSpecFault.UnknownCacheMode, "none")]
    [InlineData("d.img,cache=", DiskSpecFault.UnknownCacheMode, "")]
    [InlineData("d.img,readonly,readonly", DiskSpecFault.OptionTwice, "readonly")]
    [InlineData("d.img,cache=writeback,cache=writethrough", DiskSpecFault.OptionTwice, "cache")]
    [InlineData("d.img,", DiskSpecFault.EmptyOption, "")]
    [InlineData("d.img,READONLY", DiskSpecFault.UnknownOption, "READONLY")]
    public void Bad_specs_say_what_is_wrong_in_one_line(string text, DiskSpecFault fault, string part)
    {
        DiskSpec.TryParse(text, out var spec, out var error).Should().BeFalse();
        spec.Should().BeNull();
        error.Should().Be(new DiskSpecError(fault, text, part));
        error!.ToString().Should().NotContain("\n");
        var act = () => DiskSpec.Parse(text);
        act.Should().Throw<FormatException>().WithMessage(error.ToString());
    }
}
