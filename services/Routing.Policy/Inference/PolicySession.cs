using Microsoft.ML.OnnxRuntime;

namespace Routing.Policy.Inference;

/// <summary>
/// One loaded ONNX policy: a session with one float input [batch, F] and one float output [batch, C].
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>
/// is thread-safe, so workers share the session and each brings its own <see cref="InferenceBuffers"/>.
/// </summary>
public sealed class PolicySession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public PolicySession(InferenceSession session, string inputName, string outputName, int inputWidth, int outputWidth, string executionProvider)
    {
        _session = session;
        InputNames = [inputName];
        OutputNames = [outputName];
        InputWidth = inputWidth;
        OutputWidth = outputWidth;
        ExecutionProvider = executionProvider;
    }

    public int InputWidth { get; }

    public int OutputWidth { get; }

    /// <summary>"CPU" or "CUDA".</summary>
    public string ExecutionProvider { get; }

    internal string[] InputNames { get; }

    internal string[] OutputNames { get; }

    /// <summary>Runs the first <paramref name="rows"/> rows of <paramref name="buffers"/>' input into its output.</summary>
    public void Run(InferenceBuffers buffers, int rows)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        _session.Run(_runOptions, InputNames, buffers.InputsFor(rows), OutputNames, buffers.OutputsFor(rows));
    }

    /// <summary>Convenience for validation and tests (allocates): probabilities of each row.</summary>
    public float[] RunRows(ReadOnlySpan<float> rows)
    {
        var count = rows.Length / InputWidth;
        using var buffers = new InferenceBuffers(this, Math.Max(1, count));
        rows.CopyTo(buffers.Input);
        Run(buffers, count);
        return buffers.Output[..(count * OutputWidth)].ToArray();
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}

/// <summary>
/// Pinned input and output arrays for up to <c>capacity</c> rows, with an <see cref="OrtValue"/> view per batch
/// size created on first use and kept, so a run allocates nothing.
/// </summary>
public sealed class InferenceBuffers : IDisposable
{
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtValue[]?[] _inputs;
    private readonly OrtValue[]?[] _outputs;
    private readonly int _inputWidth;
    private readonly int _outputWidth;

    public InferenceBuffers(PolicySession session, int capacity)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _inputWidth = session.InputWidth;
        _outputWidth = session.OutputWidth;
        _input = GC.AllocateArray<float>(capacity * _inputWidth, pinned: true);
        _output = GC.AllocateArray<float>(capacity * _outputWidth, pinned: true);
        _inputs = new OrtValue[]?[capacity + 1];
        _outputs = new OrtValue[]?[capacity + 1];
    }

    public int Capacity { get; }

    public Span<float> Input => _input;

    /// <summary>The pinned input array (row 0 starts at index 0).</summary>
    public float[] InputArray => _input;

    public Span<float> Output => _output;

    public Span<float> InputRow(int row) => _input.AsSpan(row * _inputWidth, _inputWidth);

    public ReadOnlySpan<float> OutputRow(int row) => _output.AsSpan(row * _outputWidth, _outputWidth);

    internal OrtValue[] InputsFor(int rows) =>
        _inputs[rows] ??= [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, rows * _inputWidth), [rows, _inputWidth])];

    internal OrtValue[] OutputsFor(int rows) =>
        _outputs[rows] ??= [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(0, rows * _outputWidth), [rows, _outputWidth])];

    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }
        IsDisposed = true;
        foreach (var values in _inputs)
        {
            values?[0].Dispose();
        }
        foreach (var values in _outputs)
        {
            values?[0].Dispose();
        }
    }
}
