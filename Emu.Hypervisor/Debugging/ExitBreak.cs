using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Emu.Cpu;
using Emu.Io.Bus;

namespace Emu.Hypervisor.Debugging;

/// <summary>What is wrong with a break-exit spec.</summary>
public enum ExitBreakFault
{
    /// <summary>Not two words, or a first word that is not port, mmio, device or reason.</summary>
    NotASpec,
    /// <summary>reason followed by something other than io, mmio or hypercall.</summary>
    UnknownReason,
    /// <summary>port or mmio followed by something that is not a number or a low-high range within the space.</summary>
    BadRange,
}

/// <summary>
/// A break-exit spec that does not parse: the fault, the spec as given, the word at fault and, for a range,
/// the highest address of its space. <see cref="ToString"/> is the one place it becomes words.
/// </summary>
public sealed record ExitBreakError(ExitBreakFault Fault, string Text, string Kind = "", string Word = "", uint Max = 0)
{
    public override string ToString() => Fault switch
    {
        ExitBreakFault.UnknownReason => $"break-exit reason '{Word}' is not io, mmio or hypercall",
        ExitBreakFault.BadRange => $"break-exit {Kind} '{Word}' is not an address or a range low-high up to {Max:X}h",
        _ => $"break-exit '{Text}' is not {ExitBreak.Syntax}",
    };
}

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

    public static bool TryParse(string text, [NotNullWhen(true)] out ExitBreak? spec, [NotNullWhen(false)] out ExitBreakError? error)
    {
        spec = null;
        error = null;
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length != 2)
        {
            error = new(ExitBreakFault.NotASpec, text);
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
                    error = new(ExitBreakFault.UnknownReason, text, words[0], words[1]);
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
                    error = new(ExitBreakFault.BadRange, text, words[0], words[1], max);
                    return false;
                }
                spec = new ExitBreak(normal, port ? ExitReason.Io : ExitReason.Mmio, low, high, null);
                return true;
            default:
                error = new(ExitBreakFault.NotASpec, text);
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
