"""The pipeline stages, in flow order. Each stage is a plain function over `babelwire.model`."""
