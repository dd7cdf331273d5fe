using System.Text;

namespace Emu.Hypervisor.Tracing;

/// <summary>The trace for people: one aligned line per event.</summary>
public sealed class TextTraceSink(TextWriter writer, bool ownsWriter = true) : ITraceSink
{
    private readonly StringBuilder _line = new();

    public void Write(TraceEvent e)
    {
        _line.Clear();
        _line.Append($"#{e.Sequence,-7} t={e.VirtualTime,-10} {e.Cs:X4}:{e.Ip:X4} ");
        switch (e.Kind)
        {
            case TraceEventKind.Exit:
                _line.Append($"exit {e.Reason?.ToString().ToLowerInvariant(),-9}");
                if (e.Direction is not null)
                    _line.Append($" {e.Direction,-5}");
                if (e.Address is uint a)
                    _line.Append(e.Reason == Emu.Cpu.ExitReason.Mmio ? $" {a:X5}h" : $" {a:X4}h");
                if (e.Size is byte s)
                    _line.Append($"/{s}");
                if (e.Value is uint v)
                    _line.Append($" = {v.ToString(e.Size == 1 ? "X2" : e.Size == 2 ? "X4" : "X8")}h");
                break;
            case TraceEventKind.Interrupt:
                _line.Append("interrupt");
                break;
            case TraceEventKind.Device:
                _line.Append("device   ");
                break;
            case TraceEventKind.Instruction:
                _line.Append("insn     ");
                break;
            case TraceEventKind.Stop:
                _line.Append("stop     ");
                break;
            case TraceEventKind.Layer:
                _line.Append($"layer     {e.Direction,-5}");
                if (e.Value is > 1 and uint n)
                    _line.Append($" ({n} layers)");
                break;
        }
        if (e.Device is not null)
            _line.Append($" {e.Device}{(e.Register is null ? "" : "." + e.Register)}");
        if (e.Detail is not null)
            _line.Append($" {e.Detail}");
        if (e.Instruction is not null)
            _line.Append($"  ; {e.Instruction}");
        if (e.HostNanoseconds is long ns)
            _line.Append($"  [{ns} ns]");
        if (e.Registers is { } registers)
            _line.Append($"  | {registers}");
        writer.WriteLine(_line);
    }

    public void Dispose()
    {
        writer.Flush();
        if (ownsWriter)
            writer.Dispose();
    }
}
