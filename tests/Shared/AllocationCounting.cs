namespace Emu.Tests.Shared;

/// <summary>
/// The classes with tests that count the bytes allocated on their thread run alone, after the parallel ones,
/// and start from a collected heap: a garbage collection during a measurement (started by a test running
/// beside it, or still under way from an earlier one) retires the thread's allocation context and shows up
/// as one allocation quantum (~8 KiB), failing an "allocates nothing" check now and then.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class AllocationCounting : ICollectionFixture<AllocationCounting.QuietHeap>
{
    public const string Name = "allocation counting";

    public sealed class QuietHeap
    {
        public QuietHeap()
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
    }
}
