using System.Diagnostics;

namespace Emu.Hypervisor.Tests;

/// <summary>The committed OS floppy (guest-images/os/os.img) is exactly what tools/build-os-image.sh
/// makes from the committed built images with mkfs.fat and mtools.</summary>
public class OsImageBuildTests
{
    [Fact]
    public void Rebuilding_the_os_floppy_gives_the_committed_bytes()
    {
        string committed = Path.Combine(RepoPaths.GuestImages, "os", "os.img");
        using var output = TempFile.Named(".img");
        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "tools", "build-os-image.sh"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.ArgumentList.Add(output.Path);
        using var build = Process.Start(psi) ?? throw new InvalidOperationException("cannot start tools/build-os-image.sh");
        string errors = build.StandardError.ReadToEnd();
        build.WaitForExit();
        build.ExitCode.Should().Be(0, $"the build needs mkfs.fat and mtools: {errors}");

        File.ReadAllBytes(output.Path).Should().Equal(File.ReadAllBytes(committed),
            "guest-images/os changed without rebuilding os.img (run tools/build-guest-images.sh)");
    }
}
