using Routing.Backends.Pool;

namespace Routing.Backends.Tests;

public sealed class AgentPoolDocumentTests
{
    internal const string ValidPool = """
        {
          // Comments are allowed: operators annotate their pools.
          "agents": [
            { "name": "small", "endpoint": "http://vllm-small:8000/v1", "model": "qwen3-4b", "priceInMicrosPerMTok": 50000,
              "priceOutMicrosPerMTok": 200000, "tier": 0, "maxOutputTokens": 2048 },
            { "name": "large", "endpoint": "https://api.example.com/v1", "model": "gpt-4.1", "priceInMicrosPerMTok": 2000000,
              "priceOutMicrosPerMTok": 8000000, "tier": 1, "maxOutputTokens": 8192, "credentialRef": "env:OPENAI_API_KEY" },
            { "name": "sim-agent", "endpoint": "sim:", "model": "gpt-4.1-mini", "priceInMicrosPerMTok": 400000,
              "priceOutMicrosPerMTok": 1600000, "tier": 2, "maxOutputTokens": 4096, "credentialRef": null }
          ]
        }
        """;

    [Fact]
    public void ValidPoolParsesIntoDefinitions()
    {
        var (agents, errors) = AgentPoolDocument.Parse(ValidPool);

        Assert.Empty(errors);
        Assert.Equal(3, agents.Count);
        Assert.Equal(new AgentDefinition("large", new Uri("https://api.example.com/v1"), "gpt-4.1", 2_000_000, 8_000_000, 1, 8192, "env:OPENAI_API_KEY"), agents[1]);
        Assert.Equal("sim", agents[2].Endpoint.Scheme);
        Assert.Null(agents[2].CredentialRef);
    }

    [Fact]
    public void TokenizerAndCachePricesAreReadAndChangeTheVersion()
    {
        const string pool = """
            {"agents":[{"name":"gpt-4o","endpoint":"https://api.example.com/v1","model":"gpt-4o","priceInMicrosPerMTok":2500000,
              "priceOutMicrosPerMTok":10000000,"tier":0,"maxOutputTokens":4096,"tokenizer":"o200k_base","priceCachedInMicrosPerMTok":1250000,
              "priceCacheWriteMicrosPerMTok":3125000}]}
            """;

        var (agents, errors) = AgentPoolDocument.Parse(pool);

        Assert.Empty(errors);
        var agent = Assert.Single(agents);
        Assert.Equal(("o200k_base", 1_250_000L, 3_125_000L), (agent.Tokenizer, agent.PriceCachedInMicrosPerMTok, agent.PriceCacheWriteMicrosPerMTok));
        Assert.NotEqual(AgentPoolDocument.Version(agents), AgentPoolDocument.Version([agent with { Tokenizer = null }]));
        Assert.NotEqual(AgentPoolDocument.Version(agents), AgentPoolDocument.Version([agent with { PriceCachedInMicrosPerMTok = null }]));
    }

    [Fact]
    public void AnAnthropicAgentIsReadAndItsApiChangesTheVersion()
    {
        const string pool = """
            {"agents":[{"name":"claude","endpoint":"https://api.anthropic.com","model":"claude-sonnet-4-5","priceInMicrosPerMTok":3000000,
              "priceOutMicrosPerMTok":15000000,"tier":1,"maxOutputTokens":8192,"api":"anthropic","credentialRef":"env:ANTHROPIC_API_KEY"}]}
            """;

        var (agents, errors) = AgentPoolDocument.Parse(pool);

        Assert.Empty(errors);
        var agent = Assert.Single(agents);
        Assert.Equal(AgentApi.Anthropic, agent.Api);
        Assert.Equal(AgentApi.OpenAi, AgentPoolDocument.Parse(ValidPool).Agents[0].Api);
        Assert.NotEqual(AgentPoolDocument.Version(agents), AgentPoolDocument.Version([agent with { Api = AgentApi.OpenAi }]));
    }

    [Theory]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":-1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].priceInMicrosPerMTok: must be ≥ 0")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":-5,"tier":0,"maxOutputTokens":1}]}""", "agents[0].priceOutMicrosPerMTok: must be ≥ 0")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":0.4,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].priceInMicrosPerMTok: must be an integer")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"ftp://x/v1","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].endpoint: 'ftp://x/v1' is not an absolute http(s) URL")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"not a url","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].endpoint: 'not a url' is not an absolute")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"https://key@api.example.com/v1","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].endpoint: 'https://key@api.example.com/v1' must be a base URL without credentials")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1,"tokenizer":"gpt2"}]}""", "agents[0].tokenizer: unknown tokenizer 'gpt2'; the known ones are o200k_base, cl100k_base")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1,"priceCachedInMicrosPerMTok":-2}]}""", "agents[0].priceCachedInMicrosPerMTok: must be ≥ 0")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1,"priceCacheWriteMicrosPerMTok":"3.75"}]}""", "agents[0].priceCacheWriteMicrosPerMTok: must be an integer")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:x","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].endpoint: the in-process simulator is exactly 'sim:'")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].model: required")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":-1,"maxOutputTokens":1}]}""", "agents[0].tier: must be ≥ 0")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":0}]}""", "agents[0].maxOutputTokens: must be ≥ 1")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1,"credentialRef":"sk-live-123"}]}""", "agents[0].credentialRef: 'sk-live-123' must start with 'env:' or 'file:'")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1,"priceIn":3}]}""", "agents[0].priceIn: unknown field")]
    [InlineData("""{"agents":[{"name":"a b","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1}]}""", "agents[0].name: required, 1 to 128 characters without spaces")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"https://api.anthropic.com","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1,"api":"gemini"}]}""", "agents[0].api: unknown API 'gemini'")]
    [InlineData("""{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":0,"maxOutputTokens":1,"api":"anthropic"}]}""", "agents[0].api: 'anthropic' needs an http(s) endpoint")]
    [InlineData("""{"agents":[]}""", "agents: the pool needs at least one agent")]
    [InlineData("""{"models":[]}""", "agents: required")]
    [InlineData("""{"agents":[1]}""", "agents[0]: must be an object")]
    [InlineData("""{"agents": [""", "the file is not valid JSON")]
    public void InvalidPoolIsRefusedNamingTheField(string json, string expected)
    {
        var (agents, errors) = AgentPoolDocument.Parse(json);

        Assert.Empty(agents);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void DuplicateNamesAreRefusedNamingBothEntries()
    {
        var json = ValidPool.Replace("\"name\": \"large\"", "\"name\": \"small\"", StringComparison.Ordinal);

        var (_, errors) = AgentPoolDocument.Parse(json);

        Assert.Equal(["agents[1].name: duplicate name 'small' (also agents[0].name)"], errors);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        const string json = """{"agents":[{"name":"a","endpoint":"sim:","model":"m","priceInMicrosPerMTok":-1,"priceOutMicrosPerMTok":-1,"tier":0}]}""";

        var (_, errors) = AgentPoolDocument.Parse(json);

        Assert.Contains("agents[0].maxOutputTokens: required", errors);
        Assert.Equal(1, errors.Count(e => e.StartsWith("agents[0].maxOutputTokens", StringComparison.Ordinal)));
    }

    [Fact]
    public void VersionIgnoresFormattingButNotContent()
    {
        var (agents, _) = AgentPoolDocument.Parse(ValidPool);
        var (reformatted, _) = AgentPoolDocument.Parse(ValidPool.Replace("// Comments are allowed: operators annotate their pools.", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal));
        var (repriced, _) = AgentPoolDocument.Parse(ValidPool.Replace("50000", "50001", StringComparison.Ordinal));

        Assert.Equal(3, reformatted.Count);
        Assert.Equal(3, repriced.Count);
        Assert.Equal(AgentPoolDocument.Version(agents), AgentPoolDocument.Version(reformatted));
        Assert.NotEqual(AgentPoolDocument.Version(agents), AgentPoolDocument.Version(repriced));
    }
}
