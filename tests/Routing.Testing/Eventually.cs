namespace Routing.Testing;

/// <summary>Polls a condition that becomes true asynchronously (a sweep, a reconnect) up to a generous bound.</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(accept);
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            try
            {
                var value = await probe();
                if (accept(value))
                {
                    return value;
                }
                last = null;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                last = exception;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {timeout}", last);
            }
            await Task.Delay(100);
        }
    }
}
