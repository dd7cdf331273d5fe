namespace Emu.Tooling.GuestTests;

public enum GuestTestVerdict
{
    Pass,
    Fail,
    Skip,
}

/// <summary>A case's verdict, its report line (<c>PASS NAME</c>, <c>FAIL NAME: why</c>, <c>SKIP NAME: why</c>) and,
/// when it ran, what it printed (exit status, E9h, COM1, screen) for <c>--verbose</c>.</summary>
public sealed record GuestTestResult(GuestTestCase Case, GuestTestVerdict Verdict, string Line, string? Log);
