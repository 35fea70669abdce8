/// Reading a few members of a stored JSON object without decoding all of it.
public enum JSONFields {
    /// The top-level string members `names` of the object in `bytes` (nil where a member is absent,
    /// not a string, or the bytes are not a JSON object), read with the validator's own strict reader.
    public static func topLevelStrings(_ names: [String], in bytes: UnsafeBufferPointer<UInt8>) -> [String?] {
        let missing = [String?](repeating: nil, count: names.count)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return missing }
        let raw = UnsafeRawBufferPointer(bytes)
        return withUnsafeTemporaryAllocation(of: JSONToken.self, capacity: JSONTapeReader.capacity(forByteCount: bytes.count)) { storage in
            guard case .success(let count) = JSONTapeReader.read(raw, maxDepth: 64, into: storage), count > 0 else { return missing }
            let view = JSONView(bytes: base, tokens: UnsafeBufferPointer(rebasing: storage[0..<count]))
            guard view[0].kind == .object else { return missing }
            return names.map { name in
                guard let index = view.member(0, named: name), view[index].kind == .string else { return nil }
                return view.string(index)
            }
        }
    }
}
