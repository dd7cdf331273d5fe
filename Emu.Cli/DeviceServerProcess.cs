using System.Diagnostics;
using Emu.Tooling.Bench;
using Emu.Io.Remote;

namespace Emu.Cli;

/// <summary>Starts `emu device-server` as a child process (this same emu) for the runs of a bench path and waits for
/// its ready line; disposing it stops the process with SIGTERM (SIGKILL if it does not go).</summary>
internal sealed partial class DeviceServerProcess : IDisposable
{
    private readonly Process _process;

    private DeviceServerProcess(DeviceProcessRequest request)
    {
        var psi = SelfProcess.StartInfo("device-server", "--socket", request.Socket, "--disk", request.Image,
            "--device", request.Kind == RemoteDeviceKind.VirtioBlock ? "virtio-blk" : "ata");
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

    public static IDisposable Start(DeviceProcessRequest request) => new DeviceServerProcess(request);

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
