using Routing.ServiceDefaults.Hosting;
using Xunit;

namespace Routing.Kubernetes.Tests;

/// <summary>
/// <see cref="MountedFile"/> on real files in a temporary directory, the kubelet's <c>..data</c> symlink layout
/// included: what it applies, what it leaves alone, and what it reports how often.
/// </summary>
public sealed class MountedFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("routing-mounted-").FullName;
    private readonly List<string> _applied = [];
    private readonly List<string> _unreadable = [];

    private string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>Applies any content but "bad", which it refuses with one problem.</summary>
    private MountedFilePoll Poll(MountedFile file) => file.Poll(
        content =>
        {
            _applied.Add(content);
            return content == "bad" ? ["content: bad"] : [];
        },
        _unreadable.Add);

    [Fact]
    public void NewContentIsAppliedOnceAndTheSameContentNotAgain()
    {
        File.WriteAllText(PathOf("f.json"), "v1");
        var file = new MountedFile(PathOf("f.json"));

        var first = Poll(file);
        var again = Poll(file);
        File.WriteAllText(PathOf("f.json"), "v2");
        var changed = Poll(file);
        File.WriteAllText(PathOf("f.json"), "v2");
        var rewritten = Poll(file);

        Assert.Equal([MountedFilePoll.Applied, MountedFilePoll.Unchanged, MountedFilePoll.Applied, MountedFilePoll.Unchanged], [first, again, changed, rewritten]);
        Assert.Equal(["v1", "v2"], _applied);
        Assert.True(file.IsCurrent);
    }

    [Fact]
    public void BadContentIsRefusedOnceAndAGoodEditThenApplied()
    {
        File.WriteAllText(PathOf("f.json"), "v1");
        var file = new MountedFile(PathOf("f.json"));
        Poll(file);

        File.WriteAllText(PathOf("f.json"), "bad");
        var refused = Poll(file);
        var stillBad = Poll(file);
        var currentWhileBad = file.IsCurrent;
        File.WriteAllText(PathOf("f.json"), "v2");
        var fixedUp = Poll(file);

        Assert.Equal([MountedFilePoll.Refused, MountedFilePoll.Unchanged, MountedFilePoll.Applied], [refused, stillBad, fixedUp]);
        Assert.Equal(["v1", "bad", "v2"], _applied);
        Assert.False(currentWhileBad);
        Assert.True(file.IsCurrent);
    }

    [Fact]
    public void AnUnreadableFileIsReportedOncePerSpellAndItsContentNotReappliedAfter()
    {
        File.WriteAllText(PathOf("f.json"), "v1");
        var file = new MountedFile(PathOf("f.json"));
        Poll(file);

        File.Delete(PathOf("f.json"));
        var missing = Poll(file);
        var stillMissing = Poll(file);
        var currentWhileMissing = file.IsCurrent;
        File.WriteAllText(PathOf("f.json"), "v1");
        var back = Poll(file);
        File.Delete(PathOf("f.json"));
        var missingAgain = Poll(file);

        Assert.Equal([MountedFilePoll.Unreadable, MountedFilePoll.Unreadable, MountedFilePoll.Unchanged, MountedFilePoll.Unreadable], [missing, stillMissing, back, missingAgain]);
        Assert.Equal(2, _unreadable.Count);
        Assert.All(_unreadable, problem => Assert.Contains("f.json", problem, StringComparison.Ordinal));
        Assert.Equal(["v1"], _applied);
        Assert.False(currentWhileMissing);
    }

    [Fact]
    public void AFileMissingAtTheFirstPollIsAppliedWhenItAppears()
    {
        var file = new MountedFile(PathOf("late.json"));

        var missing = Poll(file);
        File.WriteAllText(PathOf("late.json"), "v1");
        var appeared = Poll(file);

        Assert.Equal([MountedFilePoll.Unreadable, MountedFilePoll.Applied], [missing, appeared]);
        Assert.Equal(["v1"], _applied);
    }

    [Fact]
    public void AConfigMapSymlinkSwapIsSeen()
    {
        // The kubelet's layout: the key is a symlink into ..data, itself a symlink to a timestamped directory; an
        // update writes a new directory and swaps ..data, so the key's own link (and its times) never change.
        Directory.CreateDirectory(PathOf("..2026_12_08_01"));
        File.WriteAllText(PathOf("..2026_12_08_01/f.json"), "v1");
        Directory.CreateSymbolicLink(PathOf("..data"), "..2026_12_08_01");
        File.CreateSymbolicLink(PathOf("f.json"), Path.Combine("..data", "f.json"));
        var file = new MountedFile(PathOf("f.json"));
        Poll(file);

        Directory.CreateDirectory(PathOf("..2026_12_08_02"));
        File.WriteAllText(PathOf("..2026_12_08_02/f.json"), "v2");
        // The kubelet renames a new link over ..data (atomic); replacing it is the same to a poll between swaps.
        Directory.Delete(PathOf("..data"));
        Directory.CreateSymbolicLink(PathOf("..data"), "..2026_12_08_02");
        Directory.Delete(PathOf("..2026_12_08_01"), recursive: true);
        var swapped = Poll(file);

        Assert.Equal(MountedFilePoll.Applied, swapped);
        Assert.Equal(["v1", "v2"], _applied);
    }

    [Fact]
    public void AByteOrderMarkIsNotPartOfTheContent()
    {
        File.WriteAllBytes(PathOf("f.json"), [0xEF, 0xBB, 0xBF, (byte)'v', (byte)'1']);
        var file = new MountedFile(PathOf("f.json"));

        Poll(file);

        Assert.Equal(["v1"], _applied);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
