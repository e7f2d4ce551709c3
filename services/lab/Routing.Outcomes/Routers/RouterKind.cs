namespace Routing.Outcomes.Routers;

/// <summary>The task routers compared side by side.</summary>
public enum RouterKind
{
    /// <summary>Calibrated stack of logistic regression and kNN on boilerplate-stripped TF-IDF (and embeddings when an encoder is given), operating point chosen on validation.</summary>
    Calibrated,

    /// <summary>Textbook baseline: kNN (k = 20, cosine) over TF-IDF of the raw text.</summary>
    KnnTfIdf,

    /// <summary>Textbook baseline: one logistic regression per model over TF-IDF of the raw text.</summary>
    LogisticTfIdf,
}
