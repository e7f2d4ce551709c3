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
    public void ExtraTextAfterAScoreMakesOnlyThatVoteInvalid()
    {
        var answer = JuryAnswer.Parse("Plan 1: 4 because it reads the module first\nPlan 2: 3\nPlan 3: 2, maybe 3", 3);
        Assert.Equal(new int?[] { null, 3, null }, answer.Scores);
        Assert.Equal(2, answer.Invalid);
        Assert.Equal(0, answer.Missing);
    }

    [Fact]
    public void PreambleAndClosingLinesAreSkipped()
    {
        var answer = JuryAnswer.Parse("Here are my scores:\n\nPlan 1: 4\nPlan 2: 1\n\nHope this helps.", 2);
        Assert.Equal(new int?[] { 4, 1 }, answer.Scores);
        Assert.Equal(0, answer.Invalid + answer.Missing);
    }

    [Fact]
    public void AMissingLabelLosesOnlyThatPlansVoteAndLabelsOutsideThePlansCountForNothing()
    {
        var answer = JuryAnswer.Parse("Plan 0: 5\nPlan 1: 2\nPlan 3: 4\nPlan 4: 5", 3);
        Assert.Equal(new int?[] { 2, null, 4 }, answer.Scores);
        Assert.Equal(0, answer.Invalid);
        Assert.Equal(1, answer.Missing);
    }

    [Fact]
    public void ADuplicateLabelWithAnotherScoreIsInvalidEvenWhenTheOtherLineIsUnparseable()
    {
        var answer = JuryAnswer.Parse("Plan 1: 3\nPlan 1: good\nPlan 2: 6\nPlan 3: 5\nPlan 3: 5", 3);
        Assert.Equal(new int?[] { null, null, 5 }, answer.Scores);
        Assert.Equal(2, answer.Invalid);
    }

    [Theory]
    [InlineData(1, 256, 26)]
    [InlineData(4, 256, 56)]
    [InlineData(30, 256, 256)]
    [InlineData(4, 40, 40)]
    public void AVerdictAsksForWhatItsLinesNeedUpToTheCap(int plans, int cap, int expected) =>
        Assert.Equal(expected, JuryAnswer.MaxTokens(plans, cap));

    [Fact]
    public void EmptyOrNullAnswerMissesEveryPlan()
    {
        Assert.Equal(2, JuryAnswer.Parse(null, 2).Missing);
        Assert.Equal(2, JuryAnswer.Parse("", 2).Missing);
    }
}
