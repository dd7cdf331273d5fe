using Emu.Io.Ata;
using Emu.Io.Storage;

namespace Emu.Hypervisor.Bench;

/// <summary>
/// Puts an ATA controller with one master disk on the primary channel (1F0-1F7, 3F6, IRQ 14, bus master
/// at C000h) into a bench machine. Interim: the machine's own ATA wiring (MachineConfig.HardDisks) is being
/// written in parallel; once it lands the bench uses it and this file goes.
/// </summary>
internal static class BenchAtaWiring
{
    public static AtaController Attach(VirtualMachine vm, IBlockBackend backend)
    {
        var controller = new AtaController(vm.Memory, vm.Pic.GetLine(AtaController.PrimaryIrq), vm.Pic.GetLine(AtaController.SecondaryIrq),
            primaryMaster: new AtaDrive(backend, new AtaDriveOptions { ImageName = "bench.img" }));
        controller.RegisterPorts(vm.Ports);
        return controller;
    }
}
