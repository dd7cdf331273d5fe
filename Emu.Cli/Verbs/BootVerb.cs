using CommandLine;

namespace Emu.Cli.Verbs;

[Verb("boot", HelpText = "Boot a disk image through the BIOS: a floppy-sized image as drive A:, anything else as the first hard disk.")]
public sealed class BootOptions : MachineOptions
{
    [Value(0, MetaName = "IMAGE", Required = true, HelpText = "The disk image to boot: " + Emu.Io.Storage.DiskSpec.Syntax + ".")]
    public string Image { get; set; } = "";
}

public static class BootVerb
{
    public static int Run(BootOptions options)
    {
        using var session = MachineSession.Create(options, options.Image);
        return session.RunToEnd();
    }
}
