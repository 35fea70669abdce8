import CLibPQ
/// The libpq version this module was linked against.
public func libpqVersion() -> Int { Int(PQlibVersion()) }
