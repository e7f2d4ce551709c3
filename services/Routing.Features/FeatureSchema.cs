namespace Routing.Features;

/// <summary>Known feature schema versions and their widths. A version mismatch is always an explicit error.</summary>
public static class FeatureSchema
{
    /// <summary>The version this library extracts.</summary>
    public const int CurrentVersion = FeatureSchemaV1.Version;

    /// <summary>Width of the feature vector of <paramref name="version"/>, or 0 when the version is unknown.</summary>
    public static int WidthOf(int version) => version switch
    {
        FeatureSchemaV1.Version => FeatureSchemaV1.Width,
        _ => 0,
    };

    public static bool IsKnown(int version) => WidthOf(version) > 0;

    /// <summary>Throws <see cref="FeatureSchemaMismatchException"/> unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void EnsureVersion(int expected, int actual)
    {
        if (expected != actual)
        {
            throw new FeatureSchemaMismatchException(expected, actual);
        }
    }
}

/// <summary>Features of one schema version were given to a consumer of another.</summary>
public sealed class FeatureSchemaMismatchException(int expected, int actual)
    : Exception($"feature schema version {actual} does not match the expected version {expected}" +
        (FeatureSchema.IsKnown(actual) ? "" : $" (version {actual} is unknown to this build)"))
{
    public int Expected { get; } = expected;

    public int Actual { get; } = actual;
}
