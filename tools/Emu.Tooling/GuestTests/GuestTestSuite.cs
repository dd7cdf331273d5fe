namespace Emu.Tooling.GuestTests;

/// <summary>
/// Runs cases side by side on <c>jobs</c> threads and reports each result in the cases' order, whatever order
/// they finish in. Cancelling stops the run at the programs it interrupts: their results are not reported,
/// and nothing is reported after it.
/// </summary>
public static class GuestTestSuite
{
    /// <summary>What was reported, and the cases a cancellation stopped.</summary>
    public sealed record Summary(int Passed, int Failed, int Skipped, IReadOnlyList<string> Interrupted);

    /// <param name="started">Called (on a worker) as a case that runs starts, with how many have started.</param>
    /// <param name="report">Called once per case, in the cases' order, one at a time.</param>
    public static Summary Run(IReadOnlyList<GuestTestCase> cases, GuestTestRunner runner, int jobs, CancellationToken cancel,
        Action<int, GuestTestCase> started, Action<GuestTestResult> report)
    {
        var results = new GuestTestResult?[cases.Count];
        var interrupted = new SortedList<int, string>();
        int next = 0, startedCount = 0, reported = 0;
        int passed = 0, failed = 0, skipped = 0;
        var reportLock = new Lock();

        void ReportReady()
        {
            lock (reportLock)
            {
                while (reported < cases.Count && results[reported] is { } result && !cancel.IsCancellationRequested)
                {
                    report(result);
                    switch (result.Verdict)
                    {
                        case GuestTestVerdict.Pass: passed++; break;
                        case GuestTestVerdict.Fail: failed++; break;
                        default: skipped++; break;
                    }
                    reported++;
                }
            }
        }
        void Worker()
        {
            while (!cancel.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next) - 1;
                if (i >= cases.Count)
                    return;
                var test = cases[i];
                bool runs = test.Expect is not null && test.Problem is null;
                if (runs)
                    started(Interlocked.Increment(ref startedCount), test);
                var result = runner.Run(test, cancel);
                if (runs && cancel.IsCancellationRequested)
                {
                    lock (reportLock)
                        interrupted.Add(i, test.Name); // the program did not fail: it was stopped
                    return;
                }
                results[i] = result;
                ReportReady();
            }
        }
        var workers = Enumerable.Range(0, Math.Min(jobs, cases.Count)).Select(_ => new Thread(Worker) { Name = "emu test" }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return new Summary(passed, failed, skipped, [.. interrupted.Values]);
    }
}
