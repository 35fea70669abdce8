/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, seedable generator whose output depends only
/// on its seed, so generated corpora are byte-identical across runs and machines. Not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The internal counter; advancing it by the golden-ratio increment gives the next output.
    public var state: UInt64

    /// A generator that starts at `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 pseudo-random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// SplitMix64's finalizer: a bijection on `UInt64`, so distinct inputs never collide. Used to
    /// derive one independent stream per (seed, line index).
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (`bound` > 0). Multiply-shift instead of `%`: faster and without the
    /// modulo bias that matters for small tables.
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: ((next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// A value in `range`.
    @inline(__always)
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `percent` / 100.
    @inline(__always)
    mutating func chance(_ percent: Int) -> Bool {
        below(100) < percent
    }
}
