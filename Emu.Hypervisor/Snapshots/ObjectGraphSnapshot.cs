using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emu.Hypervisor.Snapshots;

/// <summary>
/// The state of every object reachable from a root (a whole <see cref="Emu.Hypervisor.VirtualMachine"/>),
/// captured once and written back as often as needed, so that a fuzz target can reuse one machine for many
/// inputs instead of building one per input.
/// </summary>
/// <remarks>
/// Generic on purpose: it copies every instance field of every object and every element of every array it
/// reaches, private and readonly ones included, so a reset cannot forget a field, and a field added to a
/// device later is covered without anyone remembering to. Objects created after the capture are simply no
/// longer referenced once the fields that point at them are restored. Not captured, by design: strings,
/// reflection objects, delegates themselves (immutable; the closures they capture are walked), OS handles,
/// static fields, and whatever <c>opaque</c> names (the caller resets those itself). Boxed value types are
/// treated as immutable.
///
/// Large arrays without references (guest RAM, the page map, disk buffers) are compared with their copy in
/// 4 KiB chunks and only differing chunks are written back: a run changes a few pages of a megabyte.
/// </remarks>
public sealed class ObjectGraphSnapshot
{
    private const int ChunkBytes = 4096;
    private const int LargeArrayBytes = 16 * 1024;

    private static readonly Func<object, object> ShallowCopy =
        typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!
            .CreateDelegate<Func<object, object>>();
    private static readonly Dictionary<Type, Action<object, object>> Copiers = [];
    private static readonly Dictionary<Type, (bool HasReferences, int Size)> ElementInfo = [];

    private readonly List<(object Live, object Copy, Action<object, object> CopyFields)> _objects = [];
    private readonly List<(Array Live, Array Copy)> _arrays = [];
    private readonly List<(Array Live, byte[] Copy)> _large = [];

    public ObjectGraphSnapshot(object root, Func<object, bool>? opaque = null)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        pending.Push(root);
        while (pending.TryPop(out var o))
        {
            if (!seen.Add(o) || Skipped(o) || opaque?.Invoke(o) == true)
                continue;
            if (o is Delegate d)
            {
                foreach (var single in d.GetInvocationList())
                {
                    if (single.Target is { } target)
                        pending.Push(target);
                }
                continue;
            }
            var type = o.GetType();
            if (o is Array array)
            {
                var (hasReferences, size) = Element(type.GetElementType()!);
                if (!hasReferences && (long)array.Length * size >= LargeArrayBytes)
                {
                    _large.Add((array, Bytes(array, size).ToArray()));
                    continue;
                }
                _arrays.Add((array, (Array)array.Clone()));
                if (hasReferences)
                {
                    foreach (var element in array)
                        Walk(element, pending);
                }
                continue;
            }
            if (type.IsValueType)
            {
                Walk(o, pending); // a box: its references are walked, the box itself is taken as immutable
                continue;
            }
            _objects.Add((o, ShallowCopy(o), Copier(type)));
            foreach (var field in InstanceFields(type))
                Walk(field.GetValue(o), pending);
        }
    }

    /// <summary>Objects, arrays and large arrays captured (for tests and diagnostics).</summary>
    public (int Objects, int Arrays, int LargeArrays, long LargeBytes) Size =>
        (_objects.Count, _arrays.Count, _large.Count, _large.Sum(l => (long)l.Copy.Length));

    /// <summary>Writes the captured state back into every captured object and array.</summary>
    public void Restore()
    {
        foreach (var (live, copy, copyFields) in _objects)
            copyFields(copy, live);
        foreach (var (live, copy) in _arrays)
            Array.Copy(copy, live, live.Length);
        foreach (var (live, copy) in _large)
        {
            var now = Bytes(live, copy.Length / Math.Max(1, live.Length));
            for (int at = 0; at < copy.Length; at += ChunkBytes)
            {
                int n = Math.Min(ChunkBytes, copy.Length - at);
                var was = copy.AsSpan(at, n);
                var chunk = now.Slice(at, n);
                if (!chunk.SequenceEqual(was))
                    was.CopyTo(chunk);
            }
        }
    }

    // Follows a field's or element's value: a reference is visited, a struct with references inside is
    // searched field by field (its value itself is restored with the object or array that holds it).
    private static void Walk(object? value, Stack<object> pending)
    {
        if (value is null)
            return;
        var type = value.GetType();
        if (!type.IsValueType)
        {
            pending.Push(value);
            return;
        }
        if (type.IsPrimitive || type.IsEnum || !Element(type).HasReferences)
            return;
        foreach (var field in InstanceFields(type))
            Walk(field.GetValue(value), pending);
    }

    private static bool Skipped(object o) =>
        o is string or MemberInfo or Module or Assembly or SafeHandle or Pointer or Thread;

    private static Span<byte> Bytes(Array array, int elementSize) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), checked(array.Length * elementSize));

    private static IEnumerable<FieldInfo> InstanceFields(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return f;
        }
    }

    private static (bool HasReferences, int Size) Element(Type type)
    {
        lock (ElementInfo)
        {
            if (!ElementInfo.TryGetValue(type, out var info))
            {
                if (type.IsPointer || type.IsFunctionPointer)
                {
                    info = (false, IntPtr.Size);
                }
                else
                {
                    var probe = typeof(ObjectGraphSnapshot).GetMethod(nameof(Probe), BindingFlags.Static | BindingFlags.NonPublic)!;
                    info = ((bool HasReferences, int Size))probe.MakeGenericMethod(type).Invoke(null, null)!;
                }
                ElementInfo[type] = info;
            }
            return info;
        }
    }

    private static (bool HasReferences, int Size) Probe<T>() =>
        (RuntimeHelpers.IsReferenceOrContainsReferences<T>(), Unsafe.SizeOf<T>());

    /// <summary>A method that copies every instance field of a <paramref name="type"/> from one object to
    /// another, readonly ones included (emitted IL: stfld on an initonly field is allowed there, and the
    /// stores go through the GC's write barrier as any field store does).</summary>
    private static Action<object, object> Copier(Type type)
    {
        lock (Copiers)
        {
            if (Copiers.TryGetValue(type, out var copier))
                return copier;
            var method = new DynamicMethod($"Copy_{type.Name}", null, [typeof(object), typeof(object)], typeof(ObjectGraphSnapshot).Module, skipVisibility: true);
            var il = method.GetILGenerator();
            foreach (var field in InstanceFields(type))
            {
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Castclass, type);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Castclass, type);
                il.Emit(OpCodes.Ldfld, field);
                il.Emit(OpCodes.Stfld, field);
            }
            il.Emit(OpCodes.Ret);
            copier = method.CreateDelegate<Action<object, object>>();
            Copiers[type] = copier;
            return copier;
        }
    }
}
