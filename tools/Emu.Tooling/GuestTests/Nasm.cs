using System.Diagnostics;

namespace Emu.Tooling.GuestTests;

/// <summary>Assembles a guest source with nasm as tools/build-guest-images.sh does (its folder and guest-images/include on the include path).</summary>
internal static class Nasm
{
    /// <summary>Assembles <paramref name="source"/> into <paramref name="output"/>; the error, or null.</summary>
    public static string? Assemble(string source, string output)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(source))!;
        var psi = new ProcessStartInfo("nasm")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string a in new[] { "-f", "bin", "-I", dir + "/", "-o", output, source })
            psi.ArgumentList.Add(a);
        string? include = FindInclude(dir);
        if (include is not null)
        {
            psi.ArgumentList.Add("-I");
            psi.ArgumentList.Add(include + "/");
        }
        try
        {
            using var nasm = Process.Start(psi)!;
            string errors = nasm.StandardError.ReadToEnd();
            nasm.StandardOutput.ReadToEnd();
            nasm.WaitForExit();
            if (nasm.ExitCode != 0)
                return $"nasm failed: {errors.Trim().Split('\n')[0]}";
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            string bin = Path.ChangeExtension(source, ".bin");
            if (File.Exists(bin))
            {
                File.Copy(bin, output, overwrite: true);
                return null; // no nasm: the committed image built from this source
            }
            return "nasm is not on PATH (apt-get install -y nasm) and there is no .bin beside the source";
        }
    }

    // guest-images/include above the source, as tools/build-guest-images.sh passes it.
    private static string? FindInclude(string dir)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            if (d.Name == "guest-images")
                return Path.Combine(d.FullName, "include");
        }
        return null;
    }
}
