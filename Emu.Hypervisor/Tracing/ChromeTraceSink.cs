using System.Text.Json;

namespace Emu.Hypervisor.Tracing;

/// <summary>
/// The Chrome trace-event format (opens in Perfetto and chrome://tracing): exits, device work,
/// interrupts and instructions as slices on separate tracks. The time axis is virtual time in
/// microseconds; a slice lasts its host time when that was measured, else one instruction, but never past
/// the start of the next slice on its track: slices on one track never overlap, so Perfetto nests them right.
/// The host time measured is in the slice's args (hostNs) either way. The guest OS's layers (application,
/// system call, filesystem, ...) are begin/end slices on the exits' track, so each layer nests the exits it caused.
/// </summary>
public sealed class ChromeTraceSink : ITraceSink
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly long _nanosecondsPerInstruction;
    // Per track, the slice written last: its length is known once the next one on the track starts.
    private readonly (TraceEvent Event, long StartNs, long LengthNs)?[] _open = new (TraceEvent, long, long)?[6];
    private bool _first = true;
    private int _openLayers; // begun, not ended yet
    private long _lastNs;

    public ChromeTraceSink(TextWriter writer, long nanosecondsPerInstruction, bool ownsWriter = true)
    {
        _writer = writer;
        _ownsWriter = ownsWriter;
        _nanosecondsPerInstruction = nanosecondsPerInstruction;
        _writer.WriteLine("[");
        foreach (var (tid, name) in new[] { (1, "guest layers and VM exits"), (2, "devices"), (3, "interrupts"), (4, "instructions"), (5, "run") })
            Emit(new { name = "thread_name", ph = "M", pid = 1, tid, args = new { name } });
    }

    public void Write(TraceEvent e)
    {
        int tid = e.Kind switch
        {
            TraceEventKind.Exit => 1,
            TraceEventKind.Device => 2,
            TraceEventKind.Interrupt => 3,
            TraceEventKind.Instruction => 4,
            _ => 5,
        };
        if (e.Kind == TraceEventKind.Layer)
            tid = 1;
        long start = e.VirtualTime * _nanosecondsPerInstruction;
        _lastNs = Math.Max(_lastNs, start);
        if (_open[tid] is { } previous)
            Close(tid, previous.Event, previous.StartNs, Math.Min(previous.LengthNs, start - previous.StartNs));
        _open[tid] = null;
        if (e.Kind != TraceEventKind.Layer)
        {
            _open[tid] = (e, start, e.HostNanoseconds ?? _nanosecondsPerInstruction);
            return;
        }
        if (e.Direction == "enter")
        {
            Emit(new { name = e.Detail, cat = "layer", ph = "B", ts = start / 1000m, pid = 1, tid, args = new { seq = e.Sequence, t = e.VirtualTime, csip = $"{e.Cs:X4}:{e.Ip:X4}" } });
            _openLayers++;
            return;
        }
        for (uint i = 0; i < (e.Value ?? 1) && _openLayers > 0; i++, _openLayers--)
            Emit(new { ph = "E", ts = start / 1000m, pid = 1, tid });
    }

    private void Close(int tid, TraceEvent e, long startNs, long lengthNs)
    {
        string name = e.Kind switch
        {
            TraceEventKind.Exit => $"{e.Reason?.ToString().ToLowerInvariant()} {e.Direction} {(e.Device is null ? "" : e.Device + (e.Register is null ? "" : "." + e.Register))}".Trim(),
            TraceEventKind.Instruction => e.Instruction ?? "instruction",
            _ => e.Detail ?? e.Kind.ToString().ToLowerInvariant(),
        };
        Emit(new
        {
            name,
            cat = e.Kind.ToString().ToLowerInvariant(),
            ph = "X",
            ts = startNs / 1000m, // exact: nanoseconds as decimal microseconds
            dur = lengthNs / 1000m,
            pid = 1,
            tid,
            args = new
            {
                seq = e.Sequence,
                t = e.VirtualTime,
                csip = $"{e.Cs:X4}:{e.Ip:X4}",
                insn = e.Instruction,
                addr = e.Address is uint a ? $"{a:X}h" : null,
                size = e.Size,
                value = e.Value is uint v ? $"{v:X}h" : null,
                detail = e.Detail,
                hostNs = e.HostNanoseconds,
                regs = e.Registers?.ToString(),
            },
        });
    }

    private void Emit(object o)
    {
        if (!_first)
            _writer.WriteLine(",");
        _first = false;
        _writer.Write(JsonSerializer.Serialize(o, Options));
    }

    public void Dispose()
    {
        long end = _open[1] is { } open ? Math.Max(_lastNs, open.StartNs + open.LengthNs) : _lastNs;
        for (int tid = 0; tid < _open.Length; tid++)
        {
            if (_open[tid] is { } last)
                Close(tid, last.Event, last.StartNs, last.LengthNs);
        }
        for (; _openLayers > 0; _openLayers--) // the run ended inside layers: they end with it
            Emit(new { ph = "E", ts = end / 1000m, pid = 1, tid = 1 });
        _writer.WriteLine();
        _writer.WriteLine("]");
        _writer.Flush();
        if (_ownsWriter)
            _writer.Dispose();
    }
}
