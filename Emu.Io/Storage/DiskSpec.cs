namespace Emu.Io.Storage;

/// <summary>
/// The command-line form of a disk: <c>FILE[,readonly][,cache=writeback|writethrough]</c>. As in QEMU's
/// option syntax, a comma inside the file name is written twice (<c>a,,b.img</c> is the file <c>a,b.img</c>).
/// </summary>
public sealed record DiskSpec(string Path, bool ReadOnly = false, CacheMode Cache = CacheMode.Writeback)
{
    public const string Syntax = "FILE[,readonly][,cache=writeback|writethrough]";

    /// <summary>Parses a spec; a <see cref="FormatException"/> carries a one-line message naming the problem.</summary>
    public static DiskSpec Parse(string text)
    {
        if (TryParse(text, out var spec, out string? error))
            return spec;
        throw new FormatException(error);
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DiskSpec? spec,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        spec = null;
        if (string.IsNullOrEmpty(text))
        {
            error = $"disk spec is empty; expected {Syntax}";
            return false;
        }
        var parts = Split(text);
        string path = parts[0];
        if (path.Length == 0)
        {
            error = $"disk spec '{text}' has no file name; expected {Syntax}";
            return false;
        }
        bool readOnly = false, sawReadOnly = false;
        CacheMode cache = CacheMode.Writeback;
        bool sawCache = false;
        foreach (string option in parts.Skip(1))
        {
            if (option == "readonly")
            {
                if (sawReadOnly)
                {
                    error = $"disk spec '{text}': option 'readonly' given twice";
                    return false;
                }
                sawReadOnly = readOnly = true;
            }
            else if (option.StartsWith("cache=", StringComparison.Ordinal))
            {
                if (sawCache)
                {
                    error = $"disk spec '{text}': option 'cache' given twice";
                    return false;
                }
                sawCache = true;
                string value = option["cache=".Length..];
                switch (value)
                {
                    case "writeback": cache = CacheMode.Writeback; break;
                    case "writethrough": cache = CacheMode.Writethrough; break;
                    default:
                        error = $"disk spec '{text}': unknown cache mode '{value}' (use writeback or writethrough)";
                        return false;
                }
            }
            else
            {
                error = option.Length == 0
                    ? $"disk spec '{text}' has an empty option; expected {Syntax}"
                    : $"disk spec '{text}': unknown option '{option}' (known: readonly, cache=writeback|writethrough)";
                return false;
            }
        }
        spec = new DiskSpec(path, readOnly, cache);
        error = null;
        return true;
    }

    /// <summary>Splits at single commas; ",," is a literal comma.</summary>
    private static List<string> Split(string text)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != ',')
                current.Append(c);
            else if (i + 1 < text.Length && text[i + 1] == ',' && parts.Count == 0)
            {
                current.Append(',');
                i++;
            }
            else
            {
                parts.Add(current.ToString());
                current.Clear();
            }
        }
        parts.Add(current.ToString());
        return parts;
    }

    public override string ToString()
    {
        string s = Path.Replace(",", ",,", StringComparison.Ordinal);
        if (ReadOnly)
            s += ",readonly";
        if (Cache != CacheMode.Writeback)
            s += ",cache=writethrough";
        return s;
    }
}
