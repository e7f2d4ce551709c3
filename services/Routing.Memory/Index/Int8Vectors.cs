using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Routing.Memory.Index;

/// <summary>
/// Symmetric int8 quantisation of unit vectors with a per-vector scale, and the exact integer dot product of
/// two code vectors. The quantisation error ‖v − scale·codes‖ is kept per vector: it bounds how far the
/// int8 estimate of a cosine can be from the float one, which lets the index prune without losing exactness.
/// </summary>
public static class Int8Vectors
{
    /// <summary>Codes are padded with zeros to a multiple of this, so the SIMD loop has no remainder.</summary>
    public const int Block = 32;

    public static int Stride(int dimension) => (dimension + Block - 1) / Block * Block;

    /// <summary>Writes codes (padded to <see cref="Stride"/>) and returns (scale, error).</summary>
    public static (float Scale, float Error) Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        codes.Clear();
        var max = TensorPrimitives.MaxMagnitude(vector);
        var absMax = MathF.Abs(max);
        if (absMax == 0)
        {
            return (0, 0);
        }
        var scale = absMax / 127f;
        var inverse = 127f / absMax;
        var error = 0.0;
        for (var i = 0; i < vector.Length; i++)
        {
            var code = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -127, 127);
            codes[i] = code;
            var difference = (double)vector[i] - (double)code * scale;
            error += difference * difference;
        }
        return (scale, (float)Math.Sqrt(error));
    }

    /// <summary>Exact Σ a[i]·b[i] over int8 codes whose length is a multiple of <see cref="Block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        if (Avx2.IsSupported)
        {
            ref var left = ref MemoryMarshal.GetReference(a);
            ref var right = ref MemoryMarshal.GetReference(b);
            var sum = Vector256<int>.Zero;
            for (nuint i = 0; i < (nuint)a.Length; i += Block)
            {
                var (leftLow, leftHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref left, i));
                var (rightLow, rightHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref right, i));
                // 127·127·2 fits an int32 lane many times over: no overflow for any supported dimension.
                sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(leftLow, rightLow));
                sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(leftHigh, rightHigh));
            }
            return Vector256.Sum(sum);
        }
        var total = 0;
        for (var i = 0; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }
        return total;
    }
}
