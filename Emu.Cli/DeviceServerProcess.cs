using System.Diagnostics;
using Emu.Tooling.Bench;
using Emu.Io.Remote;

namespace Emu.Cli;

/// <summary>Starts `emu device-server` as a child process (this same emu) for the runs of a bench path (or the
/// multi-guest bench's server) and waits for its ready line; disposing it stops the process with SIGTERM (SIGKILL if it does not go).</summary>
internal sealed partial class DeviceServerProcess : IDisposable
{
    private readonly Process _process;

    /// <summary>Starts `emu device-server` with <paramref name="arguments"/> and waits for its ready line.</summary>
    public DeviceServerProcess(params string[] arguments)
    {
        var psi = SelfProcess.StartInfo(["device-server", .. arguments]);
        _process = Process.Start(psi) ?? throw new IoBenchException("cannot start emu device-server");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        string? ready = _process.StandardOutput.ReadLine();
        if (ready is null || !ready.Contains("listening on", StringComparison.Ordinal))
        {
            _process.Kill();
            throw new IoBenchException($"emu device-server did not start (it printed '{ready}')");
        }
    }

    /// <summary>The server's process id (its CPU time is read from /proc by the multi-guest bench).</summary>
    public int Id => _process.Id;

    public static IDisposable Start(DeviceProcessRequest request) => new DeviceServerProcess("--socket", request.Socket, "--disk", request.Image,
        "--device", request.Kind == RemoteDeviceKind.VirtioBlock ? "virtio-blk" : "ata");

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
            SendSignal(_process.Id, 15);
        if (!_process.WaitForExit(5_000))
            _process.Kill();
        _process.Dispose();
    }
}
