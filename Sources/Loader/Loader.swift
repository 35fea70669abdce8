/// The loader: sources → batcher → validate (parallel) → dedup → COPY writers.
public enum LoaderModule {}
