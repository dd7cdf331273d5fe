using Emu.Io.Bus;
using Emu.Io.Devices;

namespace Emu.Io.Assigned;

/// <summary>
/// The VF's register page as a device window, for what a window is besides its bytes: its name and its registers'
/// names (traces), and its place in the device's declaration. The guest never reaches the registers through it: the
/// page is memory in the guest's address space (<see cref="RegionSpace.Assigned"/>), so accesses do not exit.
/// </summary>
public sealed class VfRegisterWindow(VirtualFunction vf) : IIoDevice
{
    public string Name => vf.Name;

    // Reached only if a VMM forwarded an access here, which the assigned region never does: the page reads as
    // nothing decodes it, and writes are dropped.
    public void Read(uint offset, Span<byte> data) => data.Fill(0xFF);

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
    }

    public string RegisterName(uint offset, bool write) => offset switch
    {
        VfLayout.Magic => "magic",
        VfLayout.Number => "number",
        VfLayout.WindowSectors => "window-sectors",
        VfLayout.MaxQueueSize => "max-queue-size",
        VfLayout.Control => "control",
        VfLayout.Status => "status",
        VfLayout.ErrorCode => "error-code",
        VfLayout.ErrorAddress => "error-address",
        VfLayout.SubmissionBase => "submission-base",
        VfLayout.CompletionBase => "completion-base",
        VfLayout.QueueSize => "queue-size",
        VfLayout.Interrupt => "interrupt",
        VfLayout.Doorbell => "doorbell",
        VfLayout.CompletionTail => "completion-tail",
        _ => $"+{offset:X2}",
    };

    /// <summary>The VF as a device declares itself: its register page, mapped into the guest without traps.</summary>
    public static DeviceDeclaration Declare(PhysicalFunction pf, VirtualFunction vf)
    {
        var d = new DeviceDeclaration(vf.Name)
        {
            Reset = () => pf.Program(vf, f => f.MachineReset()),
            Trace = trace => pf.Program(vf, f => f.Tracing = trace is not null),
        };
        d.AddRegion(RegionSpace.Assigned, VfLayout.RegisterPage, VfLayout.PageLength, new VfRegisterWindow(vf));
        return d;
    }
}
