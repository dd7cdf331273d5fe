namespace Emu.Io.Common;

/// <summary>
/// Where a device reports what it did (a command accepted, a state change, an interrupt raised or
/// lowered, the host IO it performed) for the tracer. Devices hold it as a nullable field and build the
/// message only after checking it, so a machine without a tracer pays one null test per event.
/// </summary>
public interface IDeviceEventSink
{
    void Note(string device, string what);
}
