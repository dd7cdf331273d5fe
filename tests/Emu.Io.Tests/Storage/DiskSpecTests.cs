using Emu.Io.Storage;

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
    [InlineData("", "disk spec is empty*")]
    [InlineData(",readonly", "*has no file name*")]
    [InlineData("d.img,ro", "*unknown option 'ro'*")]
    [InlineData("d.img,cache=none", "*unknown cache mode 'none'*")]
    [InlineData("d.img,cache=", "*unknown cache mode ''*")]
    [InlineData("d.img,readonly,readonly", "*'readonly' given twice")]
    [InlineData("d.img,cache=writeback,cache=writethrough", "*'cache' given twice")]
    [InlineData("d.img,", "*empty option*")]
    [InlineData("d.img,READONLY", "*unknown option 'READONLY'*")]
    public void Bad_specs_give_one_line_errors(string text, string pattern)
    {
        DiskSpec.TryParse(text, out var spec, out string? error).Should().BeFalse();
        spec.Should().BeNull();
        error.Should().Match(pattern).And.NotContain("\n");
        var act = () => DiskSpec.Parse(text);
        act.Should().Throw<FormatException>().WithMessage(pattern);
    }
}
