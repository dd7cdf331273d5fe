using Emu.Cpu;
using Emu.Hypervisor.Remote;
using Emu.Io.Assigned;
using Emu.Io.Devices;
using Emu.Io.Remote;
using Emu.Memory;

namespace Emu.Hypervisor.Assigned;

/// <summary>
/// The VMM's whole part in an assigned VF, done once before the guest runs: the VF's register page is placed in the
/// guest's address space as memory (the device manager, <see cref="RegionSpace.Assigned"/>), the VF's IOMMU domain is
/// programmed with this guest's memory only (RAM read/write, ROM read-only; never the VF's own page, nothing past
/// guest memory), and its completions are posted to this VMM's <see cref="PostedInterrupts"/>. After that the VMM is
/// out of the data path: doorbells, DMA and interrupts pass without it.
/// </summary>
public sealed unsafe class AssignedFunction : IDisposable
{
    private readonly GuestMemory _memory;

    private AssignedFunction(GuestMemory memory, PostedInterrupts posted, int mappedPages)
    {
        _memory = memory;
        Posted = posted;
        MappedPages = mappedPages;
    }

    public PostedInterrupts Posted { get; }

    /// <summary>Guest pages the IOMMU domain maps.</summary>
    public int MappedPages { get; }

    public static AssignedFunction SetUp(DeviceProcessClient client, GuestMemory memory, Processor cpu, IInterruptAcknowledge pic)
    {
        var own = client.Declaration.Regions.Where(r => r.Space == RegionSpace.Assigned && r.Decoded).ToList();
        IommuAccess AccessOf(uint page)
        {
            uint address = page << GuestMemory.PageShift;
            if (own.Any(r => address >= r.Base && address < r.Base + r.Length))
                return IommuAccess.None;
            return memory.KindOf(address) switch
            {
                PageKind.Ram => IommuAccess.ReadWrite,
                PageKind.Rom => IommuAccess.Read,
                _ => IommuAccess.None,
            };
        }
        const uint pages = GuestMemory.Size >> GuestMemory.PageShift;
        int mapped = 0;
        for (uint page = 0; page < pages;)
        {
            var access = AccessOf(page);
            uint end = page + 1;
            while (end < pages && AccessOf(end) == access)
                end++;
            if (access != IommuAccess.None)
            {
                uint start = page << GuestMemory.PageShift, length = (end - page) << GuestMemory.PageShift;
                client.MapIommu(new IommuMapMessage(start, start, length, access));
                mapped += (int)(end - page);
            }
            page = end;
        }
        var posted = new PostedInterrupts(cpu, pic, memory.Store);
        client.SetUpPostedInterrupts(posted.SocketName);
        return new AssignedFunction(memory, posted, mapped);
    }

    /// <summary>The VF's counters as the device keeps them in the VMM's private page.</summary>
    public long Counter(VfCounter counter) =>
        Volatile.Read(ref System.Runtime.CompilerServices.Unsafe.AsRef<long>(_memory.Store.Pointer + VfLayout.Counters + (int)counter * 8));

    public AssignedTotals Totals(string name) => new(name, Counter(VfCounter.Requests), Counter(VfCounter.Doorbells),
        Counter(VfCounter.IommuTranslations), Counter(VfCounter.IommuFaults), Counter(VfCounter.Errors),
        Counter(VfCounter.PostedInterrupts), Posted.Delivered, MappedPages);

    public void Dispose() => Posted.Dispose();
}

/// <summary>What an assigned VF did, for --stats: requests, the doorbells it saw, its DMA's IOMMU translations and
/// faults, other errors, and the interrupts it posted and the guest took.</summary>
public sealed record AssignedTotals(string Name, long Requests, long Doorbells, long IommuTranslations, long IommuFaults,
    long Errors, long Posted, long Taken, int MappedPages)
{
    public override string ToString() =>
        $"assigned {Name}: {Requests:N0} requests, {Doorbells:N0} doorbells seen, IOMMU {IommuTranslations:N0} translations and {IommuFaults:N0} faults "
        + $"({MappedPages:N0} pages mapped), {Errors:N0} other errors, {Posted:N0} interrupts posted, {Taken:N0} taken; 0 VM exits on this path";
}
