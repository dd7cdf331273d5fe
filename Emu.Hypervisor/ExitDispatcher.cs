using System.Buffers.Binary;
using System.Diagnostics;
using Emu.Cpu;
using Emu.Io.Bus;

namespace Emu.Hypervisor;

/// <summary>
/// The VMM's side of every exit: brings virtual time up to date, dispatches port and MMIO accesses
/// to the bus that owns the address, runs hypercalls, counts and traces. An IN's or MMIO read's
/// value goes back in <see cref="VmExit.Value"/>, which the CPU puts in AL/AX/EAX or the operand.
/// </summary>
internal sealed class ExitDispatcher(VirtualMachine vm) : IExitHandler, IInterruptObserver
{
    public void HandleExit(Cpu.Cpu cpu, ref VmExit exit)
    {
        var stats = vm.Stats;
        bool timed = stats.TimingEnabled;
        long start = timed ? Stopwatch.GetTimestamp() : 0;
        vm.Clock.NowNs = vm.NowNs;

        DeviceRange? range = null;
        switch (exit.Reason)
        {
            case ExitReason.Io:
                range = Access(vm.Ports, ref exit);
                break;
            case ExitReason.Mmio:
                range = Access(vm.Mmio, ref exit);
                break;
            case ExitReason.Hypercall:
                Hypercall(cpu, ref exit);
                break;
        }
        stats.Count(exit.Reason);

        long ticks = 0;
        if (timed)
        {
            ticks = Stopwatch.GetTimestamp() - start;
            stats.AddTime(exit.Reason, range?.Device.Name, ticks);
        }
        vm.Tracer?.Exit(vm, exit, range, ticks);
    }

    private static DeviceRange? Access(DeviceBus bus, ref VmExit exit)
    {
        Span<byte> data = stackalloc byte[4];
        var access = data[..exit.Size];
        DeviceRange? range;
        if (exit.IsWrite)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, exit.Value);
            bus.TryWrite(exit.Address, access, out range);
        }
        else
        {
            data.Clear();
            bus.TryRead(exit.Address, access, out range);
            exit.Value = BinaryPrimitives.ReadUInt32LittleEndian(data);
        }
        return range;
    }

    // VMCALL with AX = service number. Unknown services return AX = FFFFh and set nothing else,
    // so a guest can probe for a service without crashing.
    private void Hypercall(Cpu.Cpu cpu, ref VmExit exit)
    {
        if (vm.Hypercalls.TryGetValue((ushort)exit.Address, out var service))
            service(vm);
        else
            cpu.AX = 0xFFFF;
    }

    public void InterruptDelivered(Cpu.Cpu cpu, byte vector, InterruptKind kind) =>
        vm.Tracer?.Interrupt(vm, vector, kind);
}
