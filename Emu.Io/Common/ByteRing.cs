namespace Emu.Io.Common;

/// <summary>A fixed-capacity FIFO of bytes (UART FIFOs, keyboard buffer): never grows, never allocates.</summary>
internal sealed class ByteRing
{
    private readonly byte[] _items;
    private int _head;

    public ByteRing(int capacity) => _items = new byte[capacity];

    public int Count { get; private set; }
    public int Capacity => _items.Length;
    public bool IsEmpty => Count == 0;
    public bool IsFull => Count == _items.Length;

    /// <summary>Appends a byte; false (and nothing stored) when full.</summary>
    public bool TryEnqueue(byte value)
    {
        if (IsFull)
            return false;
        _items[(_head + Count) % _items.Length] = value;
        Count++;
        return true;
    }

    public bool TryDequeue(out byte value)
    {
        if (Count == 0)
        {
            value = 0;
            return false;
        }
        value = _items[_head];
        _head = (_head + 1) % _items.Length;
        Count--;
        return true;
    }

    /// <summary>The oldest byte without removing it (0 when empty).</summary>
    public byte Peek() => Count == 0 ? (byte)0 : _items[_head];

    /// <summary>Overwrites the newest byte (a non-FIFO receiver overrun replaces the held byte).</summary>
    public void ReplaceLast(byte value)
    {
        if (Count > 0)
            _items[(_head + Count - 1) % _items.Length] = value;
    }

    public void Clear()
    {
        _head = 0;
        Count = 0;
    }
}
