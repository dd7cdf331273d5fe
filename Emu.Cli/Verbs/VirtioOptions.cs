using Emu.Io.Storage;
using Emu.Io.Virtio;

namespace Emu.Cli.Verbs;

/// <summary>Checks the --virtio-* options of <see cref="MachineOptions"/>, one clear line per bad value.</summary>
internal static class VirtioOptions
{
    public const int MaxPollInterval = 100_000_000;

    /// <summary>The virtio disk a run attaches (null: none), how its driver notifies it, and how often it is polled.</summary>
    // A class, not a tuple: a tuple of an enum and an int is JIT-compiled (not precompiled) at every start.
    public sealed record Settings(DiskSpec? Disk, VirtioNotifyMode Mode, int PollInterval);

    public static Settings Parse(MachineOptions o)
    {
        VirtioNotifyMode mode = o.VirtioNotify.ToLowerInvariant() switch
        {
            "exit" => VirtioNotifyMode.Exit,
            "poll" => VirtioNotifyMode.Poll,
            _ => throw new UserError($"--virtio-notify '{o.VirtioNotify}' is not exit or poll", ExitCodes.Usage),
        };
        if (o.VirtioPollInterval is < 1 or > MaxPollInterval)
            throw new UserError($"--virtio-poll-interval must be between 1 and {MaxPollInterval}", ExitCodes.Usage);
        DiskSpec? disk = null;
        if (o.VirtioDisk is not null)
        {
            if (!DiskSpec.TryParse(o.VirtioDisk, out disk, out var error))
                throw new UserError($"--virtio-disk: {error}", ExitCodes.Usage);
        }
        return new Settings(disk, mode, o.VirtioPollInterval);
    }
}
