using System.Net;
using System.Net.Sockets;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// The gdb remote stub (--gdb PORT): listens on 127.0.0.1 only, one debugger at a time. A debugger that connects
/// to a running guest stops it, as QEMU's does; one that detaches (or whose connection drops) lets it run on, and
/// another may connect later. Everything happens on the machine's thread: while the guest runs the machine asks
/// between slices whether gdb sent Ctrl-C; while it is stopped this class serves gdb's packets.
/// </summary>
public sealed class GdbServer : IDebugFrontEnd, IDisposable
{
    private readonly TcpListener _listener;
    private readonly GdbCommands _commands;
    private readonly TextWriter _log;
    private GdbPacketStream? _connection;
    private bool _awaitingStopReply; // gdb sent c or s and waits for the stop reply
    private DebugStop _lastStop = new(DebugStopKind.Attached, "attached");
    private bool _announced;

    private GdbServer(VirtualMachine vm, MachineDebugger debugger, TcpListener listener, TextWriter log)
    {
        _listener = listener;
        _log = log;
        _commands = new GdbCommands(vm, debugger);
    }

    /// <summary>The TCP port gdb connects to (the chosen one when 0 was asked for).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> (0: any free port) and attaches to the machine's
    /// debugger; says where on <paramref name="log"/> when the run begins. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public static GdbServer Start(VirtualMachine vm, MachineDebugger debugger, int port, TextWriter log)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start(1);
        var server = new GdbServer(vm, debugger, listener, log);
        debugger.FrontEnd = server;
        return server;
    }

    // Said once the run has begun (and Ctrl-C on emu is handled), so that whoever reads it may act at once.
    private void Announce()
    {
        if (_announced)
            return;
        _announced = true;
        _log.WriteLine($"emu: gdb: listening on 127.0.0.1:{Port} (target remote 127.0.0.1:{Port})");
        _log.Flush();
    }

    public bool StopRequested()
    {
        Announce();
        if (_connection is null)
        {
            if (!_listener.Pending())
                return false;
            Accept();
            return true; // a debugger that connects stops the guest
        }
        switch (_connection.Poll())
        {
            case GdbPacketStream.RunningEvent.Interrupt:
                return true;
            case GdbPacketStream.RunningEvent.Closed:
                Drop(); // gdb went away while the guest ran: it runs on
                return false;
            default:
                return false;
        }
    }

    public DebugResume Stopped(DebugStop stop, CancellationToken cancel)
    {
        _lastStop = stop;
        Announce();
        if (_connection is null)
        {
            // --gdb-wait: the guest waits for a debugger before its first instruction (Ctrl-C on emu still ends it).
            while (!_listener.Pending())
            {
                if (cancel.IsCancellationRequested)
                    return DebugResume.Kill;
                Thread.Sleep(50);
            }
            Accept();
        }
        _connection!.Cancel = cancel;
        if (_awaitingStopReply)
        {
            _awaitingStopReply = false;
            // gdb explains its own breakpoints and watchpoints; what it does not know of gets a line of ours.
            if (stop.Kind == DebugStopKind.ExitBreak || stop.Description.StartsWith("monitor", StringComparison.Ordinal))
                Console(stop.Description);
            Send(GdbCommands.StopReply(stop));
        }
        while (true)
        {
            if (_connection is null)
                return DebugResume.Continue;
            string? packet = _connection.Read();
            if (packet is null)
            {
                Drop(); // gdb went away while the guest was stopped: it runs on
                return DebugResume.Continue;
            }
            var action = _commands.Handle(packet, _lastStop, Send);
            switch (action)
            {
                case GdbAction.Continue or GdbAction.Step or GdbAction.ReverseStep or GdbAction.ReverseContinue:
                    _awaitingStopReply = true;
                    return action switch
                    {
                        GdbAction.Step => DebugResume.Step,
                        GdbAction.ReverseStep => DebugResume.ReverseStep,
                        GdbAction.ReverseContinue => DebugResume.ReverseContinue,
                        _ => DebugResume.Continue,
                    };
                case GdbAction.Detach:
                    Drop();
                    return DebugResume.Continue;
                case GdbAction.Kill:
                    Drop();
                    return DebugResume.Kill;
                case GdbAction.NoAck:
                    _connection.NoAck = true;
                    break;
            }
        }
    }

    public void RunEnded(RunOutcome outcome)
    {
        if (_connection is null)
            return;
        Send(GdbCommands.ExitReply(outcome));
        Drop();
    }

    private void Accept()
    {
        var socket = _listener.AcceptSocket();
        socket.NoDelay = true;
        _connection = new GdbPacketStream(socket);
        _awaitingStopReply = false; // gdb asks with '?'
        _log.WriteLine($"emu: gdb: debugger connected from {socket.RemoteEndPoint}");
        _log.Flush();
    }

    private void Drop()
    {
        _connection?.Dispose();
        _connection = null;
        _awaitingStopReply = false;
    }

    private void Send(string payload) => _connection?.Send(payload);

    /// <summary>Text for gdb's console (an O packet), shown before the stop it explains.</summary>
    private void Console(string text) => Send("O" + Convert.ToHexString(System.Text.Encoding.Latin1.GetBytes($"emu: {text}\n")).ToLowerInvariant());

    public void Dispose()
    {
        Drop();
        _listener.Stop();
    }
}
