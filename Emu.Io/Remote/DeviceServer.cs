using System.Net.Sockets;

namespace Emu.Io.Remote;

/// <summary>
/// A device process's listener: a Unix socket on which up to <see cref="DeviceServerOptions.Guests"/> VMMs at once
/// connect, each taking a free guest slot and getting a fresh device model over that slot's disks (vhost-user's
/// shape: one backend process, a session per guest, each on a thread of its own). The process outlives its VMMs:
/// when one disappears (or breaks the protocol) its disks are flushed, its slot is freed for the next connection,
/// and the other guests' sessions go on untouched. A VMM connecting while every slot is taken is told it is busy.
/// </summary>
public sealed class DeviceServer : IDisposable
{
    private readonly string _socketPath;
    private readonly DeviceServerOptions _options;
    private readonly TextWriter _log;
    private readonly Socket _listener;
    private readonly bool[] _taken;
    private volatile bool _stopping;

    /// <summary>Binds the socket (a stale socket file left by a dead server is replaced; a live one or any other
    /// file is an error: <see cref="IOException"/> with one line).</summary>
    public DeviceServer(string socketPath, DeviceServerOptions options, TextWriter log)
    {
        _socketPath = socketPath;
        _options = options;
        _log = log;
        _taken = new bool[options.Guests];
        for (int slot = 0; slot < options.Guests; slot++)
            options.DisksOf(slot); // every guest's windows made now, not by racing sessions
        RemoveStaleSocket(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            _listener.Listen(Math.Max(4, options.Guests));
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
            // give it a moment before calling the newcomer one VMM too many.
            int slot = -1;
            SpinWait.SpinUntil(() => (slot = TakeSlot()) >= 0, TimeSpan.FromSeconds(2));
            if (slot < 0)
            {
                RefuseBusy(client);
                continue;
            }
            var thread = new Thread(() => ServeOne(client, slot)) { IsBackground = true, Name = $"device-session-{slot}" };
            thread.Start();
            if (once)
            {
                thread.Join();
                break;
            }
        }
    }

    /// <summary>The lowest free guest slot, now taken; -1 when every slot is.</summary>
    private int TakeSlot()
    {
        lock (_taken)
        {
            int slot = Array.IndexOf(_taken, false);
            if (slot >= 0)
                _taken[slot] = true;
            return slot;
        }
    }

    // Whatever one session does (a protocol error, a model that throws, a VMM killed mid-request) ends in its own
    // Serve, on its own thread, over its own device model: the other guests' sessions never see it.
    private void ServeOne(Socket client, int slot)
    {
        try
        {
            using var channel = new MessageChannel(client);
            var session = new DeviceSession(channel, _options, slot);
            int number;
            lock (_log)
                number = ++Sessions;
            string end = session.Serve();
            Log(_options.Guests == 1 ? $"session {number} ended: {end}; disks flushed" : $"session {number} (guest {slot}) ended: {end}; its disk flushed");
        }
        finally
        {
            lock (_taken)
                _taken[slot] = false;
        }
    }

    private void RefuseBusy(Socket client)
    {
        using var channel = new MessageChannel(client);
        try
        {
            string why = _options.Guests == 1 ? "is serving another VMM" : $"is serving {_options.Guests} VMMs already";
            channel.Send(MessageType.Error, new ErrorMessage($"the device process at {_socketPath} {why}").Encode(channel.Payload));
        }
        catch (DeviceProtocolException)
        {
        }
        Log(_options.Guests == 1 ? "refused a second VMM while one is connected" : $"refused a VMM while {_options.Guests} are connected");
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
