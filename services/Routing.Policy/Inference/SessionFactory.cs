using System.Reflection;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;
using Microsoft.ML.OnnxRuntime;
using Routing.Policy.Options;

namespace Routing.Policy.Inference;

/// <summary>CUDA was asked for, is unavailable, and falling back to the CPU was not allowed.</summary>
public sealed class ExecutionProviderUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Creates ONNX Runtime sessions on the configured execution provider. The provider is resolved once: CUDA
/// needs the GPU build (<c>-p:OnnxRuntimeFlavor=Gpu</c>) and a working CUDA runtime on the node.
/// </summary>
public sealed partial class SessionFactory
{
    public const string CudaProviderName = "CUDAExecutionProvider";

    private readonly PolicyOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private bool _resolved;
    private bool _useCuda;

    public SessionFactory(PolicyOptions options, ILogger<SessionFactory> logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>"Cpu" or "Gpu": the ONNX Runtime package this build carries.</summary>
    public static string BuildFlavor { get; } =
        typeof(SessionFactory).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "OnnxRuntimeFlavor")?.Value ?? "Cpu";

    /// <summary>The provider sessions run on, after resolution: "CPU" or "CUDA".</summary>
    public string ActiveProvider => ResolveCuda() ? "CUDA" : "CPU";

    /// <summary>Resolves the provider now, so that a missing CUDA fails start-up rather than the first model load.</summary>
    public void EnsureResolved() => ResolveCuda();

    public InferenceSession Create(byte[] model)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (ResolveCuda())
        {
            options.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
        }
        return new InferenceSession(model, options);
    }

    private bool ResolveCuda()
    {
        lock (_gate)
        {
            if (_resolved)
            {
                return _useCuda;
            }
            if (_options.ExecutionProvider == ExecutionProviderKind.Cuda)
            {
                var problem = CudaProblem();
                if (problem is null)
                {
                    _useCuda = true;
                }
                else if (_options.FallbackToCpu)
                {
                    LogCudaFallback(_logger, problem);
                }
                else
                {
                    throw new ExecutionProviderUnavailableException(
                        $"{PolicyOptions.SectionName}:ExecutionProvider is Cuda but {problem}. " +
                        $"Build with -p:OnnxRuntimeFlavor=Gpu and run on a node with an NVIDIA GPU and CUDA 13 + cuDNN 9 (NVIDIA driver 580 or later), " +
                        $"or set {PolicyOptions.SectionName}:FallbackToCpu=true to serve on the CPU instead.");
                }
            }
            _resolved = true;
            return _useCuda;
        }
    }

    /// <summary>Why CUDA cannot be used, or null when a session with the CUDA provider can be created.</summary>
    private string? CudaProblem()
    {
        string[] available;
        try
        {
            available = OrtEnv.Instance().GetAvailableProviders();
        }
        catch (Exception exception) when (exception is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            return $"ONNX Runtime could not list its execution providers ({exception.Message})";
        }
        if (Array.IndexOf(available, CudaProviderName) < 0)
        {
            return $"this build's ONNX Runtime (flavour {BuildFlavor}) has no CUDA execution provider (available: {string.Join(", ", available)})";
        }
        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
            return null;
        }
        catch (Exception exception) when (exception is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            return $"the CUDA execution provider failed to start on device {_options.CudaDeviceId} ({exception.Message})";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CUDA was requested but is unavailable ({Problem}); serving on the CPU because FallbackToCpu is set.")]
    private static partial void LogCudaFallback(ILogger logger, string problem);
}
