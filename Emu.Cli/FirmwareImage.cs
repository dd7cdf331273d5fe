using Emu.Hypervisor.Firmware;

namespace Emu.Cli;

/// <summary>Finds and reads the BIOS image: --bios FILE, else firmware/bios.bin beside the emu binary
/// (the build copies it there), else guest-images/firmware/bios.bin in a repository above it.</summary>
internal static class FirmwareImage
{
    /// <summary>The image to use: <paramref name="path"/> (--bios) or the shipped one.</summary>
    public static string Find(string? path) => path ?? Locate() ?? throw new UserError(
        $"the firmware image firmware/bios.bin is not beside emu ({AppContext.BaseDirectory}); give --bios FILE, or --no-firmware to run bare");

    public static byte[] Load(string file)
    {
        byte[] image = InputFiles.ReadAll(file, "firmware image");
        if (image.Length != FirmwareServices.RomSize)
            throw new UserError($"firmware image '{file}' is {image.Length:N0} bytes; it must be exactly {FirmwareServices.RomSize:N0} (64 KiB)");
        return image;
    }

    private static string? Locate() => Locate(Path.Combine("firmware", "bios.bin"));

    /// <summary>A shipped guest file (<paramref name="relative"/> to guest-images/): beside the emu binary (where
    /// the build copies it), else in a repository above it; null when neither has it.</summary>
    internal static string? Locate(string relative)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, relative);
        if (File.Exists(beside))
            return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string inRepo = Path.Combine(dir.FullName, "guest-images", relative);
            if (File.Exists(inRepo))
                return inRepo;
        }
        return null;
    }
}
