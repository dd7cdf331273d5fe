using System.Net.Sockets;

namespace Emu.Io.Tests.Remote;

/// <summary>
/// A device server for an ATA controller with one disk, running on a thread of the test over a socket of its own,
/// and the guest RAM file a VMM shares with it; <see cref="Connect"/> is a VMM's end of a new session.
/// </summary>
internal sealed class ServedAtaDisk : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"emu-ds-{Guid.NewGuid():N}");
    private readonly Thread _thread;

    public ServedAtaDisk(MemoryBackend disk, TextWriter log, int guests = 1)
    {
        var options = new DeviceServerOptions { Kind = RemoteDeviceKind.Ata, Disks = [(disk, new DiskSpec("disk.img"))], Guests = guests };
        Server = new DeviceServer(_socket, options, log);
        _thread = new Thread(() => Server.Run()) { IsBackground = true };
        _thread.Start();
    }

    public DeviceServer Server { get; }
    public SharedRamStore Ram { get; } = SharedRamStore.Create(SharedRamStore.NewPath());
    /// <summary>Whether the server's thread still runs (it ends only when the server is disposed).</summary>
    public bool Serving => _thread.IsAlive;

    public MessageChannel Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(_socket));
        return new MessageChannel(socket) { ReceiveTimeout = TimeSpan.FromSeconds(10) };
    }

    public void Dispose()
    {
        Server.Dispose();
        _thread.Join(5000);
        Ram.Dispose();
        File.Delete(Ram.Path);
    }
}
