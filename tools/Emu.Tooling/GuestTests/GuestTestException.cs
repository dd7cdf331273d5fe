namespace Emu.Tooling.GuestTests;

/// <summary>Why a guest program cannot be tested as it stands (an unreadable source, a bad expectation line, options
/// the machine refuses): reported as that program's FAIL line, never as a crash of the run.</summary>
public sealed class GuestTestException(string message) : Exception(message);
