"""shardsmith: package crawled articles into versioned, deduplicated Parquet training corpora."""

__version__ = "0.1.0"
