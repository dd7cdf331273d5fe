namespace Emu.Tooling.Bench;

/// <summary>The benches' guest programs, embedded in this build from guest-images (see Emu.Tooling.csproj).</summary>
internal static class EmbeddedGuest
{
    /// <summary>The bytes of the embedded resource <paramref name="name"/>, or null when this build has none of that name.</summary>
    public static byte[]? Load(string name)
    {
        using var stream = typeof(EmbeddedGuest).Assembly.GetManifestResourceStream(name);
        if (stream is null)
            return null;
        var program = new byte[stream.Length];
        stream.ReadExactly(program);
        return program;
    }
}
