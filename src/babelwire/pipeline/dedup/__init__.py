"""dedup stage: near-duplicates and stories."""
