namespace Emu.Hypervisor.Tests.Fuzz;

/// <summary>
/// What the <c>cpu</c> fuzz target's seeded tests feed it: the shipped BIOS, and code made from the shipped guest
/// programs (a few bytes flipped, so that runs start as real code and go astray) or random bytes. The caller's
/// <see cref="Random"/> draws everything, so a seed gives the same inputs every run.
/// </summary>
internal static class FuzzInputs
{
    public static byte[] Firmware() => File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "firmware", "bios.bin"));

    /// <summary>Every built guest image but the firmware, up to 8 KiB, in path order.</summary>
    public static byte[][] Programs()
    {
        var programs = Directory.EnumerateFiles(RepoPaths.GuestImages, "*.bin", SearchOption.AllDirectories)
            .Where(f => !f.Contains("firmware") && new FileInfo(f).Length is > 0 and <= 8192)
            .Order().Select(File.ReadAllBytes).ToArray();
        programs.Should().NotBeEmpty();
        return programs;
    }

    /// <summary>A copy of one of <paramref name="programs"/> with <paramref name="minFlips"/> to
    /// <paramref name="maxFlips"/> - 1 bytes overwritten by random ones.</summary>
    public static byte[] Mutated(byte[][] programs, Random rng, int minFlips, int maxFlips)
    {
        var code = (byte[])programs[rng.Next(programs.Length)].Clone();
        for (int flips = rng.Next(minFlips, maxFlips); flips > 0; flips--)
            code[rng.Next(code.Length)] = (byte)rng.Next(256);
        return code;
    }

    public static byte[] Random(Random rng, int length)
    {
        var code = new byte[length];
        rng.NextBytes(code);
        return code;
    }
}
