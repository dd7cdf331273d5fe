using Emu.Hypervisor;
using Emu.Io.Remote;
using Emu.Io.Storage;

namespace Emu.Tooling.Bench;

/// <summary>A device server on a thread of this process, serving the runs of one path: the bench's default device process
/// when no launcher is given (tests), with the same socket protocol and shared guest RAM as `emu device-server`.</summary>
internal sealed class InThreadDeviceServer : IDisposable
{
    private readonly RawImageBackend _backend;
    private readonly DeviceServer _server;
    private readonly Thread _thread;

    private InThreadDeviceServer(DeviceProcessRequest request)
    {
        var spec = new DiskSpec(request.Image);
        _backend = RawImageBackend.Open(spec);
        _server = new DeviceServer(request.Socket, new DeviceServerOptions { Kind = request.Kind, Disks = [(_backend, spec)] }, TextWriter.Null);
        _thread = new Thread(() => _server.Run()) { IsBackground = true, Name = "bench-device-server" };
        _thread.Start();
    }

    public static IDisposable Start(DeviceProcessRequest request) => new InThreadDeviceServer(request);

    public void Dispose()
    {
        _server.Dispose();
        _thread.Join(10_000);
        _backend.Dispose();
    }
}
