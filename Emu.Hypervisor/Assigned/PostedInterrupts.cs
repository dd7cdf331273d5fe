using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Emu.Cpu;
using Emu.Io.Assigned;
using Emu.Io.Devices;
using Emu.Memory;

namespace Emu.Hypervisor.Assigned;

/// <summary>
/// The VMM's posted-interrupt unit for an assigned VF, in the shape of VT-d posted interrupts: the device sets a
/// vector's bit in the descriptor (the VMM's private page of the shared RAM file, which the guest cannot address)
/// and, when no notification is outstanding, sends one on a datagram socket. A thread here waits on that socket
/// and turns each notification into <see cref="Processor.Notify"/>: at its next instruction boundary the CPU moves
/// the posted vectors into the guest's interrupt state and takes the highest like any external interrupt, through
/// the IVT. No VM exit is involved and the VMM's run loop is not woken; an idle socket costs nothing.
/// It sits between the CPU and the 8259 pair: the CPU's INTR is the PIC's output or a pending posted vector, and
/// an acknowledge takes a posted vector first.
/// </summary>
public sealed unsafe class PostedInterrupts : IInterruptAcknowledge, IDisposable
{
    private readonly Processor _cpu;
    private readonly IInterruptAcknowledge _pic;
    private readonly byte* _descriptor;
    private readonly Socket _socket;
    private readonly Thread _listener;
    private readonly ConcurrentQueue<(string Device, string Text)> _events = new();
    private readonly ulong[] _pending = new ulong[4];
    private readonly AutoResetEvent _arrived = new(false);
    private bool _picLine;
    private volatile bool _disposed;

    public PostedInterrupts(Processor cpu, IInterruptAcknowledge pic, GuestRamStore store)
    {
        _cpu = cpu;
        _pic = pic;
        _descriptor = store.Pointer + VfLayout.PostedDescriptor;
        SocketName = $"emu-posted-{Environment.ProcessId}-{Guid.NewGuid():N}";
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint("\0" + SocketName));
        cpu.Notification = Synchronize;
        _listener = new Thread(Listen) { IsBackground = true, Name = "posted-interrupts" };
        _listener.Start();
    }

    /// <summary>The notification socket's name in the abstract namespace (no file; gone with the process).</summary>
    public string SocketName { get; }

    /// <summary>Where the device's events and the unit's own go (the VMM's trace); null costs nothing.</summary>
    public IDeviceTrace? Trace { get; set; }

    /// <summary>Posted vectors the guest took.</summary>
    public long Delivered { get; private set; }

    /// <summary>Notifications received.</summary>
    public long Notifications { get; private set; }

    private void Listen()
    {
        var buffer = new byte[2048];
        while (!_disposed)
        {
            int length;
            try
            {
                length = _socket.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            if (NotificationSender.TryDecodeEvent(buffer.AsSpan(0, length), out _, out string device, out string text))
                _events.Enqueue((device, text));
            _cpu.Notify();
            _arrived.Set();
        }
    }

    /// <summary>
    /// For a halted CPU: waits until a notification arrives (true) or <paramref name="timeout"/> passes or the run is
    /// cancelled (false). A notification that came before the call ends the wait at once; one already taken may end
    /// it early for nothing, which costs the caller one more look at a still-halted CPU.
    /// </summary>
    public bool WaitForNotification(TimeSpan timeout, CancellationToken cancellation) =>
        WaitHandle.WaitAny([_arrived, cancellation.WaitHandle], timeout) == 0;

    /// <summary>The 8259 pair's INTR output.</summary>
    public void SetPicLine(bool level)
    {
        _picLine = level;
        UpdateLine();
    }

    // On the CPU's thread, at an instruction boundary (Processor.Notification).
    private void Synchronize()
    {
        var trace = Trace;
        while (_events.TryDequeue(out var e))
            trace?.Note(e.Device, e.Text);
        if (Interlocked.Exchange(ref Unsafe.AsRef<uint>(_descriptor + 32), 0) == 0)
            return;
        Notifications++;
        for (int word = 0; word < 8; word++)
        {
            uint bits = Interlocked.Exchange(ref Unsafe.AsRef<uint>(_descriptor + word * 4), 0);
            _pending[word / 2] |= (ulong)bits << (word % 2 * 32);
            if (trace is not null)
            {
                for (; bits != 0; bits &= bits - 1)
                    trace.Note("posted-interrupts", $"vector {word * 32 + System.Numerics.BitOperations.TrailingZeroCount(bits):X2}h pending (posted by the device, taken at this instruction boundary, no exit)");
            }
        }
        UpdateLine();
    }

    public int Acknowledge()
    {
        for (int word = 3; word >= 0; word--)
        {
            if (_pending[word] == 0)
                continue;
            int bit = 63 - System.Numerics.BitOperations.LeadingZeroCount(_pending[word]);
            _pending[word] &= ~(1UL << bit);
            Delivered++;
            UpdateLine();
            return word * 64 + bit;
        }
        return _pic.Acknowledge();
    }

    private void UpdateLine() => _cpu.SetInterruptLine(_picLine || (_pending[0] | _pending[1] | _pending[2] | _pending[3]) != 0);

    public void Dispose()
    {
        _disposed = true;
        _cpu.Notification = null;
        _socket.Dispose(); // ends the listener's Receive
        // The listener may be between a Receive and its Set: dispose the event only once it can no longer be Set
        // (an ObjectDisposedException on that thread would end the process).
        if (_listener.Join(TimeSpan.FromSeconds(1)))
            _arrived.Dispose();
    }
}
