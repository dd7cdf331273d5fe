using System.Text.Json;
using System.Text.Json.Serialization;

namespace Emu.Hypervisor.Tracing;

/// <summary>
/// The trace for tools: one JSON object per line, fields as in docs/TRACE-FORMAT.md (absent fields
/// are omitted): seq, t, kind, cs, ip, insn, reason, dir, addr, size, value, device, reg, detail, hostNs, regs.
/// </summary>
public sealed class JsonlTraceSink(TextWriter writer, bool ownsWriter = true) : ITraceSink
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Write(TraceEvent e)
    {
        var line = new Line
        {
            Seq = e.Sequence,
            T = e.VirtualTime,
            Kind = e.Kind.ToString().ToLowerInvariant(),
            Cs = e.Cs,
            Ip = e.Ip,
            Insn = e.Instruction,
            Reason = e.Reason?.ToString().ToLowerInvariant(),
            Dir = e.Direction,
            Addr = e.Address,
            Size = e.Size,
            Value = e.Value,
            Device = e.Device,
            Reg = e.Register,
            Detail = e.Detail,
            HostNs = e.HostNanoseconds,
            Regs = e.Registers is { } r ? new Regs
            {
                Eax = r.Eax, Ebx = r.Ebx, Ecx = r.Ecx, Edx = r.Edx, Esi = r.Esi, Edi = r.Edi, Ebp = r.Ebp, Esp = r.Esp,
                Ds = r.Ds, Es = r.Es, Ss = r.Ss, Fs = r.Fs, Gs = r.Gs, Flags = r.Flags,
            } : null,
        };
        writer.WriteLine(JsonSerializer.Serialize(line, Options));
    }

    public void Dispose()
    {
        writer.Flush();
        if (ownsWriter)
            writer.Dispose();
    }

    private sealed class Line
    {
        [JsonPropertyName("seq")] public long Seq { get; init; }
        [JsonPropertyName("t")] public long T { get; init; }
        [JsonPropertyName("kind")] public string Kind { get; init; } = "";
        [JsonPropertyName("cs")] public ushort Cs { get; init; }
        [JsonPropertyName("ip")] public ushort Ip { get; init; }
        [JsonPropertyName("insn")] public string? Insn { get; init; }
        [JsonPropertyName("reason")] public string? Reason { get; init; }
        [JsonPropertyName("dir")] public string? Dir { get; init; }
        [JsonPropertyName("addr")] public uint? Addr { get; init; }
        [JsonPropertyName("size")] public byte? Size { get; init; }
        [JsonPropertyName("value")] public uint? Value { get; init; }
        [JsonPropertyName("device")] public string? Device { get; init; }
        [JsonPropertyName("reg")] public string? Reg { get; init; }
        [JsonPropertyName("detail")] public string? Detail { get; init; }
        [JsonPropertyName("hostNs")] public long? HostNs { get; init; }
        [JsonPropertyName("regs")] public Regs? Regs { get; init; }
    }

    private sealed class Regs
    {
        [JsonPropertyName("eax")] public uint Eax { get; init; }
        [JsonPropertyName("ebx")] public uint Ebx { get; init; }
        [JsonPropertyName("ecx")] public uint Ecx { get; init; }
        [JsonPropertyName("edx")] public uint Edx { get; init; }
        [JsonPropertyName("esi")] public uint Esi { get; init; }
        [JsonPropertyName("edi")] public uint Edi { get; init; }
        [JsonPropertyName("ebp")] public uint Ebp { get; init; }
        [JsonPropertyName("esp")] public uint Esp { get; init; }
        [JsonPropertyName("ds")] public ushort Ds { get; init; }
        [JsonPropertyName("es")] public ushort Es { get; init; }
        [JsonPropertyName("ss")] public ushort Ss { get; init; }
        [JsonPropertyName("fs")] public ushort Fs { get; init; }
        [JsonPropertyName("gs")] public ushort Gs { get; init; }
        [JsonPropertyName("flags")] public uint Flags { get; init; }
    }
}
