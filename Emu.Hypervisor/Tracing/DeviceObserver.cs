using Emu.Cpu;
using Emu.Hypervisor.Statistics;
using Emu.Io.Devices;

namespace Emu.Hypervisor.Tracing;

/// <summary>
/// What the machine's devices report to, while anyone listens: the trace (their events and their backends' IO,
/// stamped with the CPU's time and place, when it records device events) and the layer accounting (the host time
/// of backend IO, its host-IO row). The device manager attaches it to every device; nothing when neither listens.
/// </summary>
internal sealed class DeviceObserver(Processor cpu, Tracer? tracer, GuestLayers? layers) : IDeviceTrace
{
    /// <summary>The observer for a machine with this trace and accounting, or null when neither wants device reports.</summary>
    public static DeviceObserver? For(Processor cpu, Tracer? tracer, GuestLayers? layers)
    {
        var events = tracer is not null && (tracer.Events & TraceEvents.Devices) != 0 ? tracer : null;
        var timed = layers is { TimesExits: true } ? layers : null; // untimed accounting wants no host IO time either
        return events is null && timed is null ? null : new DeviceObserver(cpu, events, timed);
    }

    public bool Events => tracer is not null;

    public bool HostTime => tracer is { HostTime: true } || layers is not null;

    public void Note(string device, string what) => tracer?.Device(cpu, device, what);

    public void Note(string device, string what, long hostTicks) => tracer?.Device(cpu, device, what, hostTicks);

    public void BackendIo(string backend, string what, long hostTicks)
    {
        if (layers is not null)
            layers.HostIoTicks += hostTicks;
        tracer?.Device(cpu, backend, what, hostTicks);
    }
}
