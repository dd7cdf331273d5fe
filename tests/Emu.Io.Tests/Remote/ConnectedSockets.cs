using System.Net.Sockets;

namespace Emu.Io.Tests.Remote;

/// <summary>Two ends of a real Unix stream socket (a temporary path), for protocol tests.</summary>
internal sealed class ConnectedSockets : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"emu-sock-{Guid.NewGuid():N}");

    public ConnectedSockets()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_path));
        listener.Listen(1);
        A = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        A.Connect(new UnixDomainSocketEndPoint(_path));
        B = listener.Accept();
        File.Delete(_path);
    }

    public Socket A { get; }
    public Socket B { get; }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
