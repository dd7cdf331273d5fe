namespace Emu.Cli;

/// <summary>
/// An output of the run (standard output, a --trace, --debugcon or --serial file) whose first failed write
/// (a full device, a closed descriptor, a reader gone) ends emu with one line naming it, instead of a .NET
/// exception: the write throws a <see cref="UserError"/>, which unwinds the run like any host error (the
/// disks are flushed as the machine is disposed). After that failure the output takes and discards
/// everything, so that flushing it again on the way out cannot raise a second error.
/// </summary>
internal sealed class GuardedOutput(Stream inner, string? option, string? path) : Stream
{
    private bool _failed;
    private bool _disposed;

    /// <summary>emu's standard output, shared by Console.Out and '--debugcon stdio'/'--serial stdio' so that what
    /// they write keeps its order.</summary>
    public static GuardedOutput StandardOutput { get; } = new(Console.OpenStandardOutput(), null, null);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => Guard(inner, buffer, static (s, b) => s.Write(b));

    public override void WriteByte(byte value) => Guard(inner, [value], static (s, b) => s.WriteByte(b[0]));

    public override void Flush() => Guard(inner, [], static (s, _) => s.Flush());

    private delegate void WriteOp(Stream stream, ReadOnlySpan<byte> data);

    private void Guard(Stream stream, ReadOnlySpan<byte> data, WriteOp action)
    {
        if (_failed)
            return;
        try
        {
            action(stream, data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ObjectDisposedException)
        {
            _failed = true;
            throw ErrorWords.CannotWrite(option, path, e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (!_failed)
                Guard(inner, [], static (s, _) => s.Flush());
            try
            {
                inner.Dispose();
            }
            catch (Exception e) when (_failed && e is IOException or UnauthorizedAccessException)
            {
                // it holds what it could not write before: that failure was reported
            }
        }
        base.Dispose(disposing);
    }
}
