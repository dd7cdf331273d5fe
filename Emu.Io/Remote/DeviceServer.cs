using System.Net.Sockets;

namespace Emu.Io.Remote;

/// <summary>
/// A device process's listener: a Unix socket on which one VMM at a time connects and gets a fresh device model
/// over the same disks. The process outlives its VMMs: when one disappears (or breaks the protocol) the disks are
/// flushed and the next connection is served. A second VMM connecting while one is served is told it is busy.
/// </summary>
public sealed class DeviceServer : IDisposable
{
    private readonly string _socketPath;
    private readonly DeviceServerOptions _options;
    private readonly TextWriter _log;
    private readonly Socket _listener;
    private int _busy;
    private volatile bool _stopping;

    /// <summary>Binds the socket (a stale socket file left by a dead server is replaced; a live one or any other
    /// file is an error: <see cref="IOException"/> with one line).</summary>
    public DeviceServer(string socketPath, DeviceServerOptions options, TextWriter log)
    {
        _socketPath = socketPath;
        _options = options;
        _log = log;
        RemoveStaleSocket(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            _listener.Listen(4);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new IOException($"cannot listen on '{socketPath}': {e.Message}");
        }
    }

    /// <summary>Sessions served so far.</summary>
    public int Sessions { get; private set; }

    /// <summary>Serves connections until <see cref="Stop"/> (or, with <paramref name="once"/>, after the first session).</summary>
    public void Run(bool once = false)
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stopping)
                    break;
                throw;
            }
            // A VMM that just said goodbye may still be finishing (its disks flushing) when the next one connects:
            // give it a moment before calling the newcomer a second, concurrent VMM.
            // The assigned device serves every VMM at once, one virtual function each.
            if (!_options.Shared)
                SpinWait.SpinUntil(() => Volatile.Read(ref _busy) == 0, TimeSpan.FromSeconds(2));
            if (!_options.Shared && Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                RefuseBusy(client);
                continue;
            }
            var thread = new Thread(() => ServeOne(client)) { IsBackground = true, Name = "device-session" };
            thread.Start();
            if (once)
            {
                thread.Join();
                break;
            }
        }
    }

    private void ServeOne(Socket client)
    {
        try
        {
            using var channel = new MessageChannel(client);
            var session = new DeviceSession(channel, _options);
            int number;
            lock (_log)
                number = ++Sessions;
            string end = session.Serve();
            Log($"session {number} ended: {end}; disks flushed");
        }
        finally
        {
            if (!_options.Shared)
                Volatile.Write(ref _busy, 0);
        }
    }

    private void RefuseBusy(Socket client)
    {
        using var channel = new MessageChannel(client);
        try
        {
            channel.Send(MessageType.Error, new ErrorMessage($"the device process at {_socketPath} is serving another VMM").Encode(channel.Payload));
        }
        catch (DeviceProtocolException)
        {
        }
        Log("refused a second VMM while one is connected");
    }

    /// <summary>Stops accepting; a session in progress ends when its connection does.</summary>
    public void Stop()
    {
        _stopping = true;
        _listener.Dispose();
    }

    private void Log(string line)
    {
        lock (_log)
        {
            _log.WriteLine($"emu device-server: {line}");
            _log.Flush();
        }
    }

    // A socket file whose server died refuses connections: remove it so that restarting the server just works.
    // Anything else at the path (a live server, a directory, a file with content) is left alone.
    private static void RemoveStaleSocket(string path)
    {
        if (Directory.Exists(path))
            throw new IOException($"'{path}' is a directory, not a socket path");
        if (!File.Exists(path))
            return;
        if (new FileInfo(path).Length != 0)
            throw new IOException($"'{path}' exists and is not a socket");
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path);
            return;
        }
        catch (SocketException e)
        {
            throw new IOException($"'{path}' exists and cannot be used as a socket: {e.Message}");
        }
        throw new IOException($"another device process is already listening on '{path}'");
    }

    public void Dispose()
    {
        Stop();
        try
        {
            File.Delete(_socketPath);
        }
        catch (IOException)
        {
        }
    }
}
