using System.Numerics.Tensors;
using Routing.Memory.Encoding;
using Xunit;

namespace Routing.Memory.Tests;

public sealed class EncoderTests
{
    private readonly HashedNgramEncoder _encoder = new(384);

    [Fact]
    public void SameTextGivesTheSameUnitVectorEveryTime()
    {
        var first = Encode("Find the cheapest flight from Lisbon to Oslo in May");
        var second = new HashedNgramEncoder(384);
        var again = new float[384];
        second.Encode("Find the cheapest flight from Lisbon to Oslo in May", again);

        Assert.Equal(first, again);
        Assert.Equal(1f, TensorPrimitives.Norm(first), 4);
    }

    [Fact]
    public void KnownTextHasAStableVectorAcrossProcesses()
    {
        // FNV-1a, not string.GetHashCode (randomised per process): vectors stored in Redis stay valid.
        var vector = Encode("refactor the parser");

        Assert.Equal("builtin:hng1:384", _encoder.Space);
        Assert.Equal(vector, Encode("REFACTOR   the parser!"));
    }

    [Fact]
    public void RelatedTasksAreCloserThanUnrelatedOnes()
    {
        var query = Encode("fix the failing unit test in the JSON parser");
        var related = Encode("the JSON parser unit tests fail after the refactor");
        var unrelated = Encode("book a hotel room in Paris for two nights");

        Assert.True(TensorPrimitives.Dot(query, related) > TensorPrimitives.Dot(query, unrelated) + 0.1f);
    }

    [Fact]
    public void PunctuationOnlyTextStillEncodesAndBlankTextDoesNot()
    {
        var vector = new float[384];

        Assert.True(_encoder.Encode("?!…", vector));
        Assert.False(_encoder.Encode("   ", vector));
    }

    private float[] Encode(string text)
    {
        var vector = new float[384];
        Assert.True(_encoder.Encode(text, vector));
        return vector;
    }
}
