using System.Runtime.InteropServices;
using CommandLine;
using Emu.Io.Assigned;
using Emu.Io.Remote;
using Emu.Io.Storage;

namespace Emu.Cli.Verbs;

[Verb("device-server", HelpText = "Serve a device model (the ATA controller or virtio-blk) to VMMs in other processes over a Unix socket "
    + "(emu run/boot --device-process SOCKET). Runs until Ctrl-C or SIGTERM; outlives the VMMs that connect. With --guests N it serves "
    + "N VMMs at once, each with its own device model and one disk of its own: '--guests 4 --disk shared.img' splits the image into 4 "
    + "equal windows (each guest sees its window as its whole disk), '--guests 2 --disk a.img --disk b.img' gives each guest an image.")]
public sealed class DeviceServerOptions
{
    [Option("socket", Required = true, HelpText = "The Unix socket to listen on (a stale socket file is replaced).")]
    public string Socket { get; set; } = "";

    [Option("disk", Required = true, HelpText = "A raw disk image: " + DiskSpec.Syntax + ". Repeat for up to 4 ATA disks "
        + "(primary master, primary slave, secondary master, secondary slave); virtio-blk takes one. With --guests N: once (split into N windows) or N times (one per guest).")]
    public IEnumerable<string> Disks { get; set; } = [];

    [Option("device", Default = "ata", HelpText = "The device model: ata (the PIIX3 IDE controller with bus-master DMA), virtio-blk, "
        + "or assigned (a block device with virtual functions, one per VMM, served to several VMMs at once: docs/ASSIGNED-DEVICE.md).")]
    public string Device { get; set; } = "ata";

    [Option("guests", Default = 1, HelpText = "VMMs served at once (1-64), each a guest with its own device model and disk; one more is refused as busy. "
        + "With --device assigned: the virtual functions the physical function creates (1-8), one per guest, each an equal LBA window of the one disk.")]
    public int Guests { get; set; } = 1;

    [Option("once", HelpText = "Exit after the first VMM disconnects.")]
    public bool Once { get; set; }
}

/// <summary><c>emu device-server</c>: the device process. It opens the images once and serves up to --guests VMMs at
/// a time, each with a fresh device model over its own disks; the ready line on stdout says where it listens.</summary>
public static class DeviceServerVerb
{
    /// <summary>What the ready line says is served: the disks, or each guest's window or image.</summary>
    private static string Served(Emu.Io.Remote.DeviceServerOptions o)
    {
        if (o.Guests == 1)
            return string.Join(", ", o.Disks.Select((d, i) => $"{o.DiskName(i)}={d.Spec.Path} ({d.Backend.CapacityBytes:N0} bytes)"));
        if (o.SplitsOneImage)
            return $"{o.Guests} guests, each a {o.WindowBytes:N0}-byte window of {o.Disks[0].Spec.Path} as its {o.DiskName(0)}";
        return $"{o.Guests} guests, each its own image as its {o.DiskName(0)}: " + string.Join(", ", o.Disks.Select(d => d.Spec.Path));
    }

    public static int Run(DeviceServerOptions options, TextWriter output)
    {
        var kind = options.Device.ToLowerInvariant() switch
        {
            "ata" => RemoteDeviceKind.Ata,
            "virtio-blk" or "virtio" => RemoteDeviceKind.VirtioBlock,
            "assigned" => RemoteDeviceKind.Assigned,
            _ => throw new UserError($"--device '{options.Device}' is not ata, virtio-blk or assigned", ExitCodes.Usage),
        };
        if (options.Socket.Length == 0)
            throw new UserError("--socket: the path is empty", ExitCodes.Usage);
        RunFiles.CheckSocket("--socket", options.Socket);
        var disks = new List<(IBlockBackend Backend, DiskSpec Spec)>();
        var files = new RunFiles();
        try
        {
            foreach (string text in options.Disks)
            {
                if (!DiskSpec.TryParse(text, out var spec, out var error))
                    throw new UserError($"--disk: {error}", ExitCodes.Usage);
                files.Input("disk image", spec.Path, blockDeviceOk: true);
                try
                {
                    disks.Add((RawImageBackend.Open(spec), spec));
                }
                catch (DiskImageException e)
                {
                    throw new UserError(e.Message);
                }
            }
            if (options.Once && options.Guests > 1)
                throw new UserError("--once serves one VMM; it cannot be combined with --guests", ExitCodes.Usage);
            var check = new Emu.Io.Remote.DeviceServerOptions { Kind = kind, Disks = disks, Guests = options.Guests };
            if (check.Check() is { } problem)
                throw new UserError($"--disk: {problem}", ExitCodes.Usage);
            // The assigned device's physical function: one VF per guest slot, each an LBA window of the one disk.
            using var function = kind == RemoteDeviceKind.Assigned ? new PhysicalFunction(disks[0].Backend, options.Guests) : null;
            var serverOptions = new Emu.Io.Remote.DeviceServerOptions { Kind = kind, Disks = disks, Guests = options.Guests, Function = function };

            DeviceServer server;
            try
            {
                server = new DeviceServer(options.Socket, serverOptions, Console.Error);
            }
            catch (IOException e)
            {
                throw new UserError(e.Message);
            }
            using (server)
            {
                ConsoleCancelEventHandler onCancel = (_, e) =>
                {
                    e.Cancel = true;
                    server.Stop();
                };
                Console.CancelKeyPress += onCancel;
                using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
                {
                    context.Cancel = true;
                    server.Stop();
                });
                string served = Served(serverOptions);
                if (function is not null)
                    served += $", {function.Functions.Count} virtual functions of {function.Functions[0].Sectors:N0} sectors each";
                output.WriteLine($"emu device-server: {options.Device.ToLowerInvariant()} with {served}, listening on {options.Socket} (pid {Environment.ProcessId})");
                output.Flush();
                server.Run(options.Once);
                Console.CancelKeyPress -= onCancel;
            }
            return ExitCodes.Success;
        }
        finally
        {
            foreach (var (backend, _) in disks)
                backend.Dispose(); // flushes first
        }
    }
}
