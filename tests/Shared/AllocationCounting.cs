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

    /// <summary>
    /// The bytes one <paramref name="round"/> allocates on this thread once the code is warm: the least over a few
    /// rounds. The runtime allocates on the measuring thread now and then by itself (tiered compilation installing
    /// an optimised method once its call count is reached, on-stack replacement): a kilobyte or two, once, and more
    /// often on a loaded machine where the background compiler lags. Code under test that allocates does so in
    /// every round, so it still shows.
    /// </summary>
    public static long SteadyStateBytes(Action round, int rounds = 5)
    {
        long least = long.MaxValue;
        for (int i = 0; i < rounds && least != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
