using System.Net.Sockets;

namespace Emu.Io.Tests.Remote;

/// <summary>
/// A device server for an ATA controller with one disk, running on a thread of the test over a socket of its own,
/// and the guest RAM file a VMM shares with it; <see cref="Connect"/> is a VMM's end of a new session,
/// <see cref="Hello"/> its opening, <see cref="Log"/> what the server wrote.
/// </summary>
internal sealed class ServedAtaDisk : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"emu-ds-{Guid.NewGuid():N}");
    private readonly Thread _thread;
    private readonly StringWriter _log = new();

    public ServedAtaDisk(MemoryBackend disk, int guests = 1)
    {
        var options = new DeviceServerOptions { Kind = RemoteDeviceKind.Ata, Disks = [(disk, new DiskSpec("disk.img"))], Guests = guests };
        Server = new DeviceServer(_socket, options, _log);
        _thread = new Thread(() => Server.Run()) { IsBackground = true };
        _thread.Start();
    }

    public DeviceServer Server { get; }
    public SharedRamStore Ram { get; } = SharedRamStore.Create(SharedRamStore.NewPath());
    /// <summary>Whether the server's thread still runs (it ends only when the server is disposed).</summary>
    public bool Serving => _thread.IsAlive;

    /// <summary>What the server has logged so far. Its session threads write the log under a lock on it
    /// (DeviceServer.Log); this reads it under the same lock.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public MessageChannel Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(_socket));
        return new MessageChannel(socket) { ReceiveTimeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>A VMM's Hello on <paramref name="c"/> (sharing <see cref="Ram"/>), which must be welcomed.</summary>
    public WelcomeMessage Hello(MessageChannel c)
    {
        c.Send(MessageType.Hello, new HelloMessage(HelloFlags.None, Ram.Path).Encode(c.Payload));
        c.Receive(out var payload).Should().Be(MessageType.Welcome);
        return WelcomeMessage.Decode(payload);
    }

    public void Dispose()
    {
        Server.Dispose();
        _thread.Join(5000);
        Ram.Dispose();
        File.Delete(Ram.Path);
    }
}
