namespace Emu.Hypervisor.Firmware;

/// <summary>
/// The VMCALL services of one machine by number (AX), filled while the machine is built (the firmware's, then any
/// <see cref="MachineConfig.Hypercalls"/>) and fixed after: nothing can add, replace or remove one while a guest runs.
/// </summary>
public sealed class HypercallTable
{
    // Keyed by int, not ushort: CoreLib's precompiled Dictionary<int, ...> serves it, where Dictionary<ushort, ...>
    // was JIT-compiled at every start (docs/PERFORMANCE.md, start-up).
    private readonly Dictionary<int, Action> _services = [];

    /// <summary>The service of <paramref name="number"/>; throws when there is none.</summary>
    public Action this[ushort number] => _services[number];

    public bool Serves(ushort number) => _services.ContainsKey(number);

    public bool TryGet(ushort number, out Action service) => _services.TryGetValue(number, out service!);

    /// <summary>Build time only. A second service for a number runs before the first (a tool watching a call).</summary>
    internal void Add(ushort number, Action service) =>
        _services[number] = _services.TryGetValue(number, out var first) ? () => { service(); first(); } : service;
}
