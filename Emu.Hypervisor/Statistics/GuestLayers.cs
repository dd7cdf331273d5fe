using System.Diagnostics;
using Emu.Cpu;

namespace Emu.Hypervisor.Statistics;

/// <summary>The guest's layers, as the guest OS names them in the Layer hypercall (BL).</summary>
public enum GuestLayer : byte
{
    /// <summary>Code outside every marked layer: firmware POST, boot, the kernel's own start-up, the shell.</summary>
    Outside = 0,
    Application = 1,
    SystemCall = 2,
    Filesystem = 3,
    BlockLayer = 4,
    Driver = 5,
    Firmware = 6,
}

/// <summary>
/// Where a run's instructions, VM exits and host time go, by the guest's layers (the Layer hypercall marks
/// entering and leaving one) and, below them, the host's: the VMM's exit dispatch, device emulation, host IO
/// (the backends' reads, writes and flushes) and idle time (a halted guest waiting in real time).
///
/// Everything is attributed to the innermost active guest layer, keyed by the whole path of layers
/// (application › system call › filesystem is not the shell's system call › filesystem), so the rows add up
/// to the run's totals: instructions retired, VM exits (the marks' own exits are a row of their own) and
/// host time (a guest layer gets the time between marks less what exits, devices and idle waits took in it).
/// The guest is not trusted: nesting is bounded, a leave of a layer that is not active is ignored.
/// </summary>
public sealed class GuestLayers(bool timesExits = true)
{
    /// <summary>Exits, devices and host IO are timed, so the host side is split off the guest layers (the table of
    /// --layers). False: two clock reads per mark only, and a layer's host time includes its exits (what a benchmark
    /// of a guest phase wants: the same measure as a bare guest's marked phase, without a clock read per exit).</summary>
    public bool TimesExits { get; } = timesExits;

    private const int MaxDepth = 16;
    private const int MaxPaths = 256;

    private readonly List<LayerPath> _paths = [new LayerPath(GuestLayer.Outside, null, 0)];
    private readonly Dictionary<(int Parent, GuestLayer Layer), int> _children = [];
    private readonly (GuestLayer Layer, int Path)[] _stack = new (GuestLayer, int)[MaxDepth];
    private int _depth;
    private int _current; // index into _paths of the innermost active layer

    // Where the open interval (since the last mark or the run's start) began.
    private long _intervalStart, _intervalRetired, _intervalExits, _intervalInterrupts, _intervalHostTicks;
    private long _runStart;
    private bool _running;
    private bool _markInExit; // the exit being handled is a mark: not the layer's
    private Processor? _cpu;
    private ExitStatistics? _stats;

    /// <summary>The machine whose CPU and exit counts are read at each mark (set by <see cref="VirtualMachine.Layers"/>).</summary>
    internal void Attach(Processor cpu, ExitStatistics stats)
    {
        _cpu = cpu;
        _stats = stats;
    }

    private long Retired => _cpu?.Retired ?? 0;
    private long Exits => _stats?.TotalExits ?? 0;
    private long Interrupts => _cpu?.InterruptsDelivered ?? 0;

    /// <summary>When the exit being handled began (the Layer hypercall's time is the VMM's, not the layer's).</summary>
    internal long ExitStart { get; set; }
    /// <summary>Host time spent in the VMM's exit handler, all of it (dispatch, devices, firmware services).</summary>
    public long ExitTicks { get; internal set; }
    /// <summary>Host time in device models and firmware services: inside exits, and the timed devices between slices.</summary>
    public long DeviceTicks { get; internal set; }
    /// <summary>The part of <see cref="DeviceTicks"/> spent outside exits (timed devices: timers, the virtio poller).</summary>
    public long TimedDeviceTicks { get; internal set; }
    /// <summary>Host time in the disk backends (read, write, flush), part of <see cref="DeviceTicks"/>.</summary>
    public long HostIoTicks { get; internal set; }
    /// <summary>Host time a halted guest slept in real time.</summary>
    public long IdleTicks { get; internal set; }
    /// <summary>The host time of every run measured, from its start to its end.</summary>
    public long TotalTicks { get; private set; }
    /// <summary>The Layer hypercalls' own exits (not counted in any layer).</summary>
    public long MarkExits { get; private set; }

    /// <summary>The layer paths seen, the outside first, each after its parent.</summary>
    public IReadOnlyList<LayerPath> Paths => _paths;

    /// <summary>The guest layer the CPU is in now.</summary>
    public GuestLayer Current => _paths[_current].Layer;

    private long NonGuestTicks => ExitTicks + TimedDeviceTicks + IdleTicks;

    internal void RunStarted()
    {
        _runStart = Stopwatch.GetTimestamp();
        _running = true;
        Restart(Exits, _runStart);
    }

    internal void RunEnded()
    {
        if (!_running)
            return;
        long now = Stopwatch.GetTimestamp();
        CloseInterval(Exits, now);
        TotalTicks += now - _runStart;
        _running = false;
    }

    /// <summary>An exit was handled in <paramref name="ticks"/>: the VMM's, counted by reason on the layer that caused it.</summary>
    internal void ExitHandled(ExitReason reason, long ticks)
    {
        ExitTicks += ticks;
        if (_markInExit)
        {
            _markInExit = false;
            return;
        }
        var path = _paths[_current];
        path.ExitTicks += ticks;
        path.ExitsByReason[(int)reason]++;
    }

    /// <summary>A Layer hypercall: <paramref name="enter"/> or leave <paramref name="layer"/>. The exit that carries
    /// it began at <see cref="ExitStart"/> (its time belongs to the VMM) and is not counted yet.
    /// Returns how many layers it entered (1) or left (the layer and those still active inside it); 0 when it changed
    /// nothing (a leave of an inactive layer, nesting too deep, no such layer).</summary>
    internal int Mark(bool enter, GuestLayer layer)
    {
        if (layer is GuestLayer.Outside or > GuestLayer.Firmware)
            return 0;
        long exits = Exits, at = TimesExits ? ExitStart : Stopwatch.GetTimestamp();
        CloseInterval(exits, at);
        Restart(exits + 1, at);
        MarkExits++;
        _markInExit = true;
        if (enter)
        {
            if (_depth == MaxDepth)
                return 0;
            _current = Child(_current, layer);
            _stack[_depth++] = (layer, _current);
            return 1;
        }
        for (int i = _depth - 1; i >= 0; i--)
        {
            if (_stack[i].Layer != layer)
                continue;
            int left = _depth - i;
            _depth = i;
            _current = i == 0 ? 0 : _stack[i - 1].Path;
            return left;
        }
        return 0;
    }

    private int Child(int parent, GuestLayer layer)
    {
        if (_children.TryGetValue((parent, layer), out int child))
            return child;
        if (_paths.Count == MaxPaths)
            return parent; // a hostile guest's endless new paths: counted where it already is
        _paths.Add(new LayerPath(layer, _paths[parent], _paths[parent].Depth + 1));
        _children[(parent, layer)] = _paths.Count - 1;
        return _paths.Count - 1;
    }

    private void CloseInterval(long exits, long now)
    {
        var path = _paths[_current];
        path.Instructions += Retired - _intervalRetired;
        path.Exits += exits - _intervalExits;
        path.Interrupts += Interrupts - _intervalInterrupts;
        path.HostTicks += now - _intervalStart - (NonGuestTicks - _intervalHostTicks);
    }

    private void Restart(long exits, long now)
    {
        _intervalStart = now;
        _intervalRetired = Retired;
        _intervalExits = exits;
        _intervalInterrupts = Interrupts;
        _intervalHostTicks = NonGuestTicks;
    }

    /// <summary>The paths at and under the first one named <paramref name="name"/> ("application/system call").</summary>
    public IEnumerable<LayerPath> Subtree(string name)
    {
        var root = _paths.FirstOrDefault(p => p.Name == name);
        return root is null ? [] : _paths.Where(p => p.Within(root));
    }

    /// <summary>The rows --layers prints, the report shows and the tests add up: every guest path (depth-first,
    /// in the order first entered), then the marks, the VMM, device emulation, host IO and idle time.</summary>
    public IReadOnlyList<LayerRow> Rows()
    {
        var rows = new List<LayerRow>();
        void Walk(LayerPath p)
        {
            rows.Add(new LayerRow(p.Name, p.Label, p.Depth, LayerRowKind.Guest, p.Instructions, p.Exits, p.HostTicks));
            foreach (var child in _paths.Where(c => c.Parent == p))
                Walk(child);
        }
        Walk(_paths[0]);
        rows.Add(new LayerRow("layer marks", "layer marks (hypercall 0020h)", 0, LayerRowKind.Marks, 0, MarkExits, 0));
        rows.Add(new LayerRow("vmm", "VMM (exit dispatch)", 0, LayerRowKind.Host, 0, 0, ExitTicks - (DeviceTicks - TimedDeviceTicks)));
        rows.Add(new LayerRow("device", "device emulation", 0, LayerRowKind.Host, 0, 0, DeviceTicks - HostIoTicks));
        rows.Add(new LayerRow("host io", "host IO (backend read/write/flush)", 0, LayerRowKind.Host, 0, 0, HostIoTicks));
        rows.Add(new LayerRow("idle", "idle (halted, sleeping)", 0, LayerRowKind.Host, 0, 0, IdleTicks));
        return rows;
    }

    /// <summary>The table of --layers.</summary>
    public void WriteTable(TextWriter w)
    {
        var rows = Rows();
        double total = Math.Max(1, TotalTicks);
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        w.WriteLine($"{"layer (innermost)",-44}{"instructions",14}{"exits",10}{"host ms",10}{"share",8}");
        foreach (var r in rows)
        {
            string name = new string(' ', 2 * r.Depth) + r.Label;
            string instructions = r.Kind == LayerRowKind.Guest ? $"{r.Instructions:N0}" : "";
            string exits = r.Kind != LayerRowKind.Host ? $"{r.Exits:N0}" : "";
            w.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{name,-44}{instructions,14}{exits,10}{Ms(r.HostTicks),10:F3}{r.HostTicks / total,8:P1}"));
        }
        w.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{"total",-44}{rows.Sum(r => r.Instructions),14:N0}{rows.Sum(r => r.Exits),10:N0}{Ms(TotalTicks),10:F3}{1,8:P1}"));
    }
}

/// <summary>One path of guest layers (application › system call › filesystem) and what was spent in it.</summary>
public sealed class LayerPath(GuestLayer layer, LayerPath? parent, int depth)
{
    public GuestLayer Layer { get; } = layer;
    public LayerPath? Parent { get; } = parent;
    public int Depth { get; } = depth;
    public long Instructions { get; internal set; }
    public long Exits { get; internal set; }
    /// <summary>Host time of the guest's own work in this layer (exits, devices, idle not included).</summary>
    public long HostTicks { get; internal set; }
    /// <summary>Host time of the exits this layer caused (VMM, devices, host IO).</summary>
    public long ExitTicks { get; internal set; }
    /// <summary>The exits this layer caused, by <see cref="ExitReason"/>.</summary>
    public long[] ExitsByReason { get; } = new long[ExitReasons.Count];
    /// <summary>Interrupts delivered while this layer was the innermost.</summary>
    public long Interrupts { get; internal set; }

    public bool Within(LayerPath ancestor)
    {
        for (var p = this; p is not null; p = p.Parent)
        {
            if (p == ancestor)
                return true;
        }
        return false;
    }

    /// <summary>The layer's name in tables and traces.</summary>
    public string Label => LayerNames.Of(Layer);

    /// <summary>The whole path, outermost first: "application/system call/filesystem".</summary>
    public string Name => Parent is null ? Label : Parent.Parent is null ? Label : $"{Parent.Name}/{Label}";
}

public enum LayerRowKind { Guest, Marks, Host }

/// <summary>A row of the layer table; <see cref="Name"/> is the path ("application/system call"), <see cref="Label"/> the last part.</summary>
public sealed record LayerRow(string Name, string Label, int Depth, LayerRowKind Kind, long Instructions, long Exits, long HostTicks)
{
    public double HostMs => HostTicks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>The names layers have in tables, traces and the report.</summary>
public static class LayerNames
{
    public static string Of(GuestLayer layer) => layer switch
    {
        GuestLayer.Outside => "outside any layer (boot, kernel, shell)",
        GuestLayer.Application => "application",
        GuestLayer.SystemCall => "system call",
        GuestLayer.Filesystem => "filesystem",
        GuestLayer.BlockLayer => "block layer",
        GuestLayer.Driver => "driver",
        GuestLayer.Firmware => "firmware",
        _ => "?",
    };
}
