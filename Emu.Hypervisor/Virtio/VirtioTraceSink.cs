using Emu.Hypervisor.Tracing;
using Emu.Io.Ata;
using Emu.Io.Storage;

namespace Emu.Hypervisor.Virtio;

/// <summary>Turns virtio device events and the disk backend's host IO into tracer device events. Exists
/// only while a tracer is attached, so an untraced machine builds no message.</summary>
internal sealed class VirtioTraceSink(VirtualMachine vm, Tracer tracer) : IDeviceEventSink, IBackendObserver
{
    public const string BackendName = "virtio-blk-backend";

    public void Note(string device, string what) => tracer.Device(vm, device, what);

    public void OnRead(long offset, int length, BlockStatus status) =>
        tracer.Device(vm, BackendName, $"read {length} bytes at {offset:X} ({status})");

    public void OnWrite(long offset, int length, BlockStatus status) =>
        tracer.Device(vm, BackendName, $"write {length} bytes at {offset:X} ({status})");

    public void OnFlush(BlockStatus status) => tracer.Device(vm, BackendName, $"flush ({status})");
}
