using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Routing.Executor.Http;

/// <summary>Where the OpenAI-compatible endpoint listens; port 0 is replaced by the bound port once started.</summary>
public sealed class HttpListenerEndpoint
{
    public int Port { get; set; }

    public ListenOptions? Listener { get; set; }

    public void CopyBoundPort()
    {
        if (Listener?.IPEndPoint is { } bound)
        {
            Port = bound.Port;
        }
    }
}
