"""Pictures: an article's lead image fetched through the guarded fetcher (`fetch`), its
kind read from its bytes (`sniff`), decoded within bounds and re-encoded without its
metadata in a few widths (`encode`), and stored by content hash (`store`)."""
