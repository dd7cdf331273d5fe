using Emu.Io.Remote;

namespace Emu.Hypervisor.Remote;

/// <summary>Why a device process cannot be used by a machine being built (before the guest starts).</summary>
public enum DeviceProcessFault
{
    /// <summary>The shared guest RAM file could not be created.</summary>
    NoSharedMemory,
    /// <summary>No socket file at the path: no device process was started there.</summary>
    NoProcess,
    /// <summary>A socket file nobody listens on (a device process that died without removing it).</summary>
    StaleSocket,
    /// <summary>Any other failure to connect.</summary>
    CannotConnect,
    /// <summary>The process broke the protocol while saying Hello and Welcome (<see cref="DeviceProcessError.Protocol"/>).</summary>
    Handshake,
    /// <summary>It does not serve a disk the command line named for it.</summary>
    WrongDisk,
    /// <summary>It is the ATA controller, and --disk gave the VMM disks of its own.</summary>
    DisksGivenToVmm,
    /// <summary>It is the ATA controller, and the BIOS was asked to read the disks in the VMM (--bios-disk hypercall).</summary>
    HypercallBiosDisk,
    /// <summary>It is the virtio disk, and --virtio-disk gave the VMM one of its own.</summary>
    VirtioDiskGivenToVmm,
    /// <summary>It offers virtio-blk with other than one IRQ line.</summary>
    WrongIrqCount,
    /// <summary>It offers an assigned VF that is not one register page without IRQ lines.</summary>
    NotAnAssignedFunction,
    /// <summary>It failed while the machine was being built (sending the memory map).</summary>
    FailedWhileBuilding,
}

/// <summary>
/// A device process the machine cannot use: the <see cref="Fault"/>, the socket, what it serves, and the detail the
/// fault concerns (the disk expected, the IRQ count, the protocol's or the host's message). <see cref="ToString"/> is
/// the one place it becomes the line the user reads.
/// </summary>
public sealed record DeviceProcessError(DeviceProcessFault Fault, string Socket, string? Served = null, string? Detail = null,
    ProtocolFault? Protocol = null)
{
    public override string ToString() => Fault switch
    {
        DeviceProcessFault.NoSharedMemory => $"cannot create shared guest memory for the device process: {Detail}",
        DeviceProcessFault.NoProcess => $"no device process at '{Socket}' (start one with: emu device-server --socket {Socket} --disk FILE)",
        DeviceProcessFault.StaleSocket => $"no device process listens on '{Socket}' (a stale socket file?)",
        DeviceProcessFault.CannotConnect => $"cannot connect to the device process at '{Socket}': {Detail}",
        DeviceProcessFault.Handshake => $"device process at '{Socket}': {Detail}",
        DeviceProcessFault.WrongDisk => $"the device process at '{Socket}' serves {Served}, not '{Detail}'",
        DeviceProcessFault.DisksGivenToVmm =>
            $"the ATA controller is in the device process at '{Socket}' (serving {Served}); give its disks to emu device-server, not --disk",
        DeviceProcessFault.HypercallBiosDisk =>
            "--bios-disk hypercall reads the image in the VMM; with the ATA controller in a device process use --bios-disk pio or dma",
        DeviceProcessFault.VirtioDiskGivenToVmm => $"virtio-blk is in the device process at '{Socket}' (serving {Served}); drop --virtio-disk",
        DeviceProcessFault.WrongIrqCount => $"the device process at '{Socket}' offers virtio-blk with {Detail} IRQ lines (it has one)",
        DeviceProcessFault.NotAnAssignedFunction =>
            $"the device process at '{Socket}' offers an assigned device that is not one register page without IRQ lines",
        DeviceProcessFault.FailedWhileBuilding => Detail!,
        _ => $"device process at '{Socket}': {Fault}",
    };
}

/// <summary>A device process could not be used: <see cref="Error"/> says why (its message is the one line for the user).</summary>
public sealed class DeviceProcessException(DeviceProcessError error) : Exception(error.ToString())
{
    public DeviceProcessError Error { get; } = error;
}
