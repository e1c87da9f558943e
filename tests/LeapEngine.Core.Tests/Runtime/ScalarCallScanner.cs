using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace LeapEngine.Core.Tests.Runtime;

/// <summary>
/// Reads method bodies' IL to find calls that make a temporary TorchSharp <see cref="Scalar"/>.
/// TorchSharp passes a Scalar to native code as a bare handle without keeping the object alive, so a
/// Scalar referenced only by that call can be finalized (its native value freed) while libtorch still
/// reads it. A "temporary-Scalar API" is an implicit conversion to Scalar, <c>ToScalar()</c>, or any
/// TorchSharp method whose own body (transitively) calls one of those, e.g. <c>Tensor + Tensor</c>,
/// which is <c>add(target, 1)</c> with an implicit alpha.
/// </summary>
internal static class ScalarCallScanner
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>TorchSharp methods that create a Scalar which they do not keep alive across the native call.</summary>
    public static HashSet<MethodBase> TemporaryScalarApis()
    {
        var torchSharp = typeof(Scalar).Assembly;
        var calls = new Dictionary<MethodBase, List<MethodBase>>();
        foreach (var method in Methods(torchSharp))
            calls[method] = CalledMethods(method).ToList();
        var found = new HashSet<MethodBase>(calls.Keys.Where(IsScalarFactory));
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (method, callees) in calls)
                if (!found.Contains(method) && callees.Any(c => found.Contains(c) || IsScalarFactory(c)))
                    grew |= found.Add(method);
        }
        return found;
    }

    /// <summary>Each method of <paramref name="assembly"/> that calls a temporary-Scalar API, with the API.</summary>
    public static IEnumerable<(MethodBase Caller, MethodBase Api)> CallsInto(Assembly assembly, HashSet<MethodBase> apis,
        Func<Type, bool>? exempt = null)
    {
        foreach (var method in Methods(assembly))
        {
            if (exempt?.Invoke(method.DeclaringType!) == true) continue;
            foreach (var callee in CalledMethods(method))
                if (IsScalarFactory(callee) || apis.Contains(callee))
                    yield return (method, callee);
        }
    }

    private static bool IsScalarFactory(MethodBase m) =>
        (m.DeclaringType == typeof(Scalar) && m.Name == "op_Implicit")
        || (m.DeclaringType == typeof(ScalarExtensionMethods) && m.Name == "ToScalar");

    private static IEnumerable<MethodBase> Methods(Assembly assembly)
    {
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
        foreach (var type in types)
        {
            foreach (var m in type.GetMethods(Everything)) yield return m;
            foreach (var c in type.GetConstructors(Everything)) yield return c;
        }
    }

    private static IEnumerable<MethodBase> CalledMethods(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception) { yield break; }
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            int size = OperandSize(op, il, i);
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                catch (Exception) { }
                if (callee is not null) yield return callee;
            }
            i += size;
        }
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
