namespace Routing.ServiceDefaults.Hosting;

/// <summary>What one <see cref="MountedFile.Poll"/> found.</summary>
public enum MountedFilePoll
{
    /// <summary>New content, and the apply callback took it.</summary>
    Applied,

    /// <summary>The same content as the last poll that read the file; nothing was applied or reported again.</summary>
    Unchanged,

    /// <summary>New content that the apply callback refused; its problems were reported by the callback.</summary>
    Refused,

    /// <summary>The file could not be read (missing, no permission, an I/O error).</summary>
    Unreadable,
}
