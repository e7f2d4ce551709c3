using System.Globalization;
using k8s;
using k8s.Models;
using Routing.Kubernetes.ManifestCheck;

// Custom kinds the chart renders; built-in kinds resolve through the client's own type map.
var customKinds = new Dictionary<string, Type>
{
    ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(CustomResource),
    ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(CustomResource),
};

if (args.Length == 0)
{
    await Console.Error.WriteLineAsync("usage: Routing.Kubernetes.ManifestCheck <manifest.yaml>…");
    return 2;
}

var failed = 0;
foreach (var path in args)
{
    try
    {
        var text = await File.ReadAllTextAsync(path);
        var objects = KubernetesYaml.LoadAllFromString(text, customKinds, strict: true);
        var unnamed = objects.OfType<IMetadata<V1ObjectMeta>>().Count(o => string.IsNullOrEmpty(o.Metadata?.Name));
        if (objects.Count == 0 || unnamed > 0)
        {
            throw new InvalidDataException(objects.Count == 0 ? "no objects" : $"{unnamed} objects without metadata.name");
        }
        var kinds = objects.OfType<IKubernetesObject>().GroupBy(o => o.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
        Console.WriteLine($"{path}: {objects.Count} objects ({string.Join(", ", kinds)})");
    }
    catch (Exception exception) when (exception is not OutOfMemoryException)
    {
        failed++;
        await Console.Error.WriteLineAsync($"{path}: {exception.GetType().Name}: {exception.Message}");
    }
}
return failed == 0 ? 0 : 1;
