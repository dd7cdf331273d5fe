using System.Diagnostics;

namespace Emu.Cli;

/// <summary>Starts this same emu as a child process, run as this one was: the apphost `emu`, or `dotnet emu.dll`.</summary>
internal static class SelfProcess
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        string self = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            psi.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }
}
