using System.Text.Json;
using Emu.Hypervisor;

namespace Emu.Tooling.Conformance;

/// <summary>
/// The suite's <c>metadata.json</c>: per opcode (and per ModRM reg field for group opcodes) the mask
/// of FLAGS bits the instruction leaves defined. Without the file every bit is compared.
/// </summary>
public sealed class ConformanceMetadata
{
    private readonly Dictionary<string, ushort> _masks = new(StringComparer.OrdinalIgnoreCase);

    public static ConformanceMetadata Empty { get; } = new();

    public static ConformanceMetadata Load(string directory)
    {
        var metadata = new ConformanceMetadata();
        string path = Path.Combine(directory, "metadata.json");
        if (!File.Exists(path))
            return metadata;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        if (!doc.RootElement.TryGetProperty("opcodes", out var opcodes) || opcodes.ValueKind != JsonValueKind.Object)
            return metadata;
        foreach (var opcode in opcodes.EnumerateObject())
        {
            if (opcode.Value.ValueKind != JsonValueKind.Object)
                continue;
            if (TryMask(opcode.Value, out ushort mask))
                metadata._masks[opcode.Name] = mask;
            if (opcode.Value.TryGetProperty("reg", out var regs) && regs.ValueKind == JsonValueKind.Object)
            {
                // A group opcode whose tests share one file is compared under the masks of all its forms.
                ushort all = 0xFFFF;
                foreach (var reg in regs.EnumerateObject())
                {
                    if (TryMask(reg.Value, out ushort regMask))
                    {
                        metadata._masks[$"{opcode.Name}.{reg.Name}"] = regMask;
                        all &= regMask;
                    }
                }
                if (!metadata._masks.ContainsKey(opcode.Name))
                    metadata._masks[opcode.Name] = all;
            }
        }
        return metadata;
    }

    private static bool TryMask(JsonElement element, out ushort mask)
    {
        mask = 0xFFFF;
        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("flags-mask", out var m) && m.ValueKind == JsonValueKind.Number
            && m.TryGetInt32(out int value))
        {
            mask = (ushort)value;
            return true;
        }
        return false;
    }

    /// <summary>The FLAGS mask for a test file named <c>XX.json.gz</c> or <c>XX.R.json.gz</c>.</summary>
    public ushort FlagsMaskFor(string fileName)
    {
        string key = fileName.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase)
            ? fileName[..^".json.gz".Length]
            : Path.GetFileNameWithoutExtension(fileName);
        return _masks.TryGetValue(key, out ushort mask) ? mask : (ushort)0xFFFF;
    }
}
