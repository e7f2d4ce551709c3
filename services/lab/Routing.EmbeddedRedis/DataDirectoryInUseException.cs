namespace Routing.EmbeddedRedis;

/// <summary>
/// Another process holds the embedded store's data directory: two stores recovering and appending to one log would
/// corrupt it, so the second start is refused and <c>routing up</c> prints this message as its one error line.
/// </summary>
public sealed class DataDirectoryInUseException(string message, Exception inner) : Exception(message, inner);
