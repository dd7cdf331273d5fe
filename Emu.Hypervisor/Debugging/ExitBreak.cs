using System.Globalization;
using Emu.Cpu;
using Emu.Io.Bus;

namespace Emu.Hypervisor.Debugging;

/// <summary>
/// A break-exit spec: stop the guest after an exit of a given kind completes (--break-exit SPEC, gdb's
/// <c>monitor break-exit SPEC</c>). Specs: <c>port N</c> or <c>port N-M</c> (IN/OUT), <c>mmio A</c> or
/// <c>mmio A-B</c> (physical addresses), <c>device NAME</c> (as --stats names devices: ata0, uart-com1...),
/// <c>reason io|mmio|hypercall</c>. Numbers are hex with 0x or an h suffix, else decimal.
/// </summary>
public sealed class ExitBreak
{
    public const string Syntax = "port N[-M], mmio A[-B], device NAME or reason io|mmio|hypercall";

    private readonly ExitReason? _reason;
    private readonly uint _low, _high;
    private readonly string? _device;

    private ExitBreak(string text, ExitReason? reason, uint low, uint high, string? device)
    {
        Text = text;
        _reason = reason;
        _low = low;
        _high = high;
        _device = device;
    }

    /// <summary>The spec as the user gave it (normalised spacing).</summary>
    public string Text { get; }

    public bool Matches(in VmExit exit, DeviceRange? range)
    {
        if (_device is not null)
            return range is not null && string.Equals(range.Device.Name, _device, StringComparison.OrdinalIgnoreCase);
        if (exit.Reason != _reason)
            return false;
        return exit.Address <= _high && exit.Address + exit.Size - 1 >= _low;
    }

    public static bool TryParse(string text, out ExitBreak? spec, out string? error)
    {
        spec = null;
        error = null;
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length != 2)
        {
            error = $"break-exit '{text}' is not {Syntax}";
            return false;
        }
        string normal = $"{words[0].ToLowerInvariant()} {words[1]}";
        switch (words[0].ToLowerInvariant())
        {
            case "device":
                spec = new ExitBreak(normal, null, 0, 0, words[1]);
                return true;
            case "reason":
                ExitReason? reason = words[1].ToLowerInvariant() switch
                {
                    "io" or "port" => ExitReason.Io,
                    "mmio" => ExitReason.Mmio,
                    "hypercall" => ExitReason.Hypercall,
                    _ => null,
                };
                if (reason is null)
                {
                    error = $"break-exit reason '{words[1]}' is not io, mmio or hypercall";
                    return false;
                }
                spec = new ExitBreak(normal, reason, 0, uint.MaxValue, null);
                return true;
            case "port" or "mmio":
                bool port = words[0].Equals("port", StringComparison.OrdinalIgnoreCase);
                var bounds = words[1].Split('-');
                uint max = port ? 0xFFFFu : 0x10_FFFFu;
                if (bounds.Length is < 1 or > 2 || !TryNumber(bounds[0], out uint low) || !TryNumber(bounds[^1], out uint high)
                    || low > high || high > max)
                {
                    error = $"break-exit {words[0]} '{words[1]}' is not an address or a range low-high up to {max:X}h";
                    return false;
                }
                spec = new ExitBreak(normal, port ? ExitReason.Io : ExitReason.Mmio, low, high, null);
                return true;
            default:
                error = $"break-exit '{text}' is not {Syntax}";
                return false;
        }
    }

    private static bool TryNumber(string text, out uint value)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        if (text.EndsWith('h') || text.EndsWith('H'))
            return uint.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public override string ToString() => Text;
}
