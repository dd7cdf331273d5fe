using System.Diagnostics;

namespace Emu.Hypervisor.Tests;

/// <summary>The committed guest images are exactly what their NASM sources build to.</summary>
public class GuestImageBuildTests
{
    public static TheoryData<string> Sources()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(RepoPaths.GuestImages, "*.asm", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(RepoPaths.GuestImages, path));
        return data;
    }

    [Fact]
    public void There_are_guest_sources_to_check() => Sources().Should().NotBeEmpty();

    [Theory]
    [MemberData(nameof(Sources))]
    public void Rebuilding_a_guest_image_gives_the_committed_bytes(string source)
    {
        string asm = Path.Combine(RepoPaths.GuestImages, source);
        string committed = Path.ChangeExtension(asm, ".bin");
        File.Exists(committed).Should().BeTrue($"{source} must have its built image committed beside it (run tools/build-guest-images.sh)");

        using var output = TempFile.Named(".bin");
        var psi = new ProcessStartInfo("nasm")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in new[] { "-f", "bin", "-I", Path.GetDirectoryName(asm) + "/", "-I", Path.Combine(RepoPaths.GuestImages, "include") + "/", "-o", output.Path, asm })
            psi.ArgumentList.Add(arg);
        using var nasm = Process.Start(psi) ?? throw new InvalidOperationException("cannot start nasm (apt-get install -y nasm)");
        string errors = nasm.StandardError.ReadToEnd();
        nasm.WaitForExit();
        nasm.ExitCode.Should().Be(0, $"nasm must assemble {source}: {errors}");

        File.ReadAllBytes(output.Path).Should().Equal(File.ReadAllBytes(committed), $"{source} was changed without rebuilding its image");
    }
}
