extension Duration {
    /// Whole milliseconds (truncated), for APIs that count in them: poll(2), Redis BLOCK and
    /// min-idle times, librdkafka timeouts, PostgreSQL settings.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
