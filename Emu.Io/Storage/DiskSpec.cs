namespace Emu.Io.Storage;

/// <summary>What is wrong with a disk spec.</summary>
public enum DiskSpecFault
{
    Empty,
    NoFileName,
    /// <summary>A comma with nothing after it ("d.img,").</summary>
    EmptyOption,
    UnknownOption,
    /// <summary>readonly or cache= given twice.</summary>
    OptionTwice,
    UnknownCacheMode,
}

/// <summary>
/// A disk spec that does not parse: the fault, the spec as given and the part at fault (the option, or the
/// cache mode). <see cref="ToString"/> is the one place it becomes words (one line).
/// </summary>
public sealed record DiskSpecError(DiskSpecFault Fault, string Text, string Part = "")
{
    public override string ToString() => Fault switch
    {
        DiskSpecFault.Empty => $"disk spec is empty; expected {DiskSpec.Syntax}",
        DiskSpecFault.NoFileName => $"disk spec '{Text}' has no file name; expected {DiskSpec.Syntax}",
        DiskSpecFault.EmptyOption => $"disk spec '{Text}' has an empty option; expected {DiskSpec.Syntax}",
        DiskSpecFault.UnknownOption => $"disk spec '{Text}': unknown option '{Part}' (known: readonly, cache=writeback|writethrough)",
        DiskSpecFault.OptionTwice => $"disk spec '{Text}': option '{Part}' given twice",
        DiskSpecFault.UnknownCacheMode => $"disk spec '{Text}': unknown cache mode '{Part}' (use writeback or writethrough)",
        _ => $"disk spec '{Text}': {Fault}",
    };
}

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
        if (TryParse(text, out var spec, out var error))
            return spec;
        throw new FormatException(error.ToString());
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DiskSpec? spec,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DiskSpecError? error)
    {
        spec = null;
        if (string.IsNullOrEmpty(text))
        {
            error = new(DiskSpecFault.Empty, "");
            return false;
        }
        var parts = Split(text);
        string path = parts[0];
        if (path.Length == 0)
        {
            error = new(DiskSpecFault.NoFileName, text);
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
                    error = new(DiskSpecFault.OptionTwice, text, "readonly");
                    return false;
                }
                sawReadOnly = readOnly = true;
            }
            else if (option.StartsWith("cache=", StringComparison.Ordinal))
            {
                if (sawCache)
                {
                    error = new(DiskSpecFault.OptionTwice, text, "cache");
                    return false;
                }
                sawCache = true;
                string value = option["cache=".Length..];
                switch (value)
                {
                    case "writeback": cache = CacheMode.Writeback; break;
                    case "writethrough": cache = CacheMode.Writethrough; break;
                    default:
                        error = new(DiskSpecFault.UnknownCacheMode, text, value);
                        return false;
                }
            }
            else
            {
                error = option.Length == 0 ? new(DiskSpecFault.EmptyOption, text) : new(DiskSpecFault.UnknownOption, text, option);
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
