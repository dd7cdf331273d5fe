using Emu.Hypervisor.Firmware;
using Emu.Memory;

namespace Emu.Hypervisor;

public sealed partial class VirtualMachine
{
    /// <summary>The BIOS's VMM services; null when the machine starts bare (no firmware image).</summary>
    public FirmwareServices? Firmware { get; private set; }

    /// <summary>Maps the firmware image as ROM at F0000, registers its hypercalls and resets the CPU
    /// so that it starts at FFFF:0000. Does nothing without an image.</summary>
    private void InitFirmware()
    {
        if (Config.Firmware is not { } image)
            return;
        if (image.Length != FirmwareServices.RomSize)
            throw new ArgumentException($"a firmware image must be exactly {FirmwareServices.RomSize} bytes, not {image.Length}");
        Memory.Load(FirmwareServices.RomBase, image);
        Memory.Map(FirmwareServices.RomBase, FirmwareServices.RomSize, PageKind.Rom);
        Firmware = new FirmwareServices(this);
        Cpu.Reset();
    }

    /// <summary>The run's end when the firmware stopped it (nothing to boot), else null.</summary>
    private RunOutcome? FirmwareOutcome() =>
        Firmware?.StopReason is { } reason ? Finish(RunEnd.FirmwareStop, RunOutcome.GuestStopExitCode, reason) : null;
}
