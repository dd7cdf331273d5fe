using Emu.Io.Remote;

namespace Emu.Hypervisor.Tests.Remote;

/// <summary>
/// A disk image served as `emu device-server` serves it (the same <see cref="DeviceServer"/> code, over a real Unix
/// socket), on a thread of the test, for one VMM session.
/// </summary>
internal sealed class OneSessionServer : IDisposable
{
    private readonly RawImageBackend _backend;
    private readonly DeviceServer _server;
    private readonly Thread _thread;

    public OneSessionServer(string socket, string disk, RemoteDeviceKind kind = RemoteDeviceKind.Ata)
    {
        _backend = RawImageBackend.Open(new DiskSpec(disk));
        _server = new DeviceServer(socket, new DeviceServerOptions { Kind = kind, Disks = [(_backend, new DiskSpec(disk))] }, TextWriter.Null);
        _thread = new Thread(() => _server.Run(once: true)) { IsBackground = true };
        _thread.Start();
    }

    /// <summary>Whether the session ended (the server's thread returned) within 10 s: it does once the VMM says goodbye.</summary>
    public bool SessionEnded() => _thread.Join(10_000);

    public void Dispose()
    {
        _server.Dispose();
        _backend.Dispose();
    }
}
