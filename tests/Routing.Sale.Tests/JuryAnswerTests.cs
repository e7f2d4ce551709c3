using Routing.Sale.Jury;
using Xunit;

namespace Routing.Sale.Tests;

public class JuryAnswerTests
{
    [Fact]
    public void WellFormedLinesGiveEveryScore()
    {
        var answer = JuryAnswer.Parse("Plan 1: 4\nPlan 2: 0\nplan #3 - 5/5\n**Plan 4**: 3.", 4);
        Assert.Equal(new int?[] { 4, 0, 5, 3 }, answer.Scores);
        Assert.Equal(0, answer.Invalid);
        Assert.Equal(0, answer.Missing);
    }

    [Fact]
    public void OutOfRangeWordsAndFractionsAreInvalidNotGuessed()
    {
        var answer = JuryAnswer.Parse("Plan 1: 7/5\nPlan 2: pretty good\nPlan 3: 3.5\nPlan 4: -1", 4);
        Assert.All(answer.Scores, s => Assert.Null(s));
        Assert.Equal(4, answer.Invalid);
    }

    [Fact]
    public void PlansWithoutALineAreMissing()
    {
        var answer = JuryAnswer.Parse("I like plan 2 best.\nPlan 2: 5\nPlan 9: 4", 3);
        Assert.Equal(new int?[] { null, 5, null }, answer.Scores);
        Assert.Equal(0, answer.Invalid);
        Assert.Equal(2, answer.Missing);
    }

    [Fact]
    public void ContradictoryRepeatsAreInvalidAndAgreeingRepeatsCount()
    {
        var answer = JuryAnswer.Parse("Plan 1: 2\nPlan 1: 4\nPlan 2: 3\nPlan 2: 3", 2);
        Assert.Null(answer.Scores[0]);
        Assert.Equal(3, answer.Scores[1]);
        Assert.Equal(1, answer.Invalid);
    }

    [Fact]
    public void EmptyOrNullAnswerMissesEveryPlan()
    {
        Assert.Equal(2, JuryAnswer.Parse(null, 2).Missing);
        Assert.Equal(2, JuryAnswer.Parse("", 2).Missing);
    }
}
