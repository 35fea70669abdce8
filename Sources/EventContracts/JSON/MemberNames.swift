/// A fixed set of member names (at most 16) looked up together in one pass over an object, instead
/// of one scan of the object per name. Built once per contract at start-up.
///
/// Names are bucketed by byte length, so most keys are dismissed by one table load and the rest by
/// one comparison.
struct MemberNames: Sendable {
    /// Value token of each name (in the order given to `init`), or -1 when absent. A tuple written
    /// through a pointer: SIMD16 element stores compiled to whole-vector copies per write.
    struct Slots {
        fileprivate var storage: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32,
                                  Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) =
            (-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)

        /// The token in slot `index`, or nil when that member is absent.
        @inline(__always)
        func token(_ index: Int) -> Int? {
            let token = withUnsafeBytes(of: storage) { $0.load(fromByteOffset: index &* 4, as: Int32.self) }
            return token >= 0 ? Int(token) : nil
        }
    }

    /// All names back to back (one buffer: no nested array to retain per comparison).
    private let bytes: [UInt8]
    /// Offset of each name in `bytes`, plus a final end offset.
    private let offsets: [Int]
    /// Per key length (< 64), a bit per name of that length.
    private let byLength: [UInt16]

    init(_ names: [String]) {
        precondition(names.count <= 16, "MemberNames holds at most 16 names") // start-up constant, never input
        var table = [UInt16](repeating: 0, count: 64)
        var bytes: [UInt8] = []
        var offsets = [0]
        for (index, name) in names.enumerated() {
            bytes.append(contentsOf: name.utf8)
            offsets.append(bytes.count)
            if name.utf8.count < 64 { table[name.utf8.count] |= 1 << UInt16(index) }
        }
        byLength = table
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The index of the name equal to the (unescaped) key, or -1.
    @inline(__always)
    func index(of key: UnsafePointer<UInt8>, _ length: Int) -> Int {
        guard length < 64 else { return -1 }
        var candidates = byLength.withUnsafeBufferPointer { $0[length] }
        while candidates != 0 {
            let index = candidates.trailingZeroBitCount
            candidates &= candidates &- 1
            let matched = bytes.withUnsafeBufferPointer { bytes in
                offsets.withUnsafeBufferPointer { offsets in
                    memcmpEqual(bytes.baseAddress.unsafelyUnwrapped + offsets[index], key, length)
                }
            }
            if matched { return index }
        }
        return -1
    }

    /// The value token of each name among the members of the object at `object` (last one wins,
    /// as in jsonb and ``JSONView/member(_:_:)``).
    func find(in view: JSONView, object: Int) -> Slots {
        var result = Slots()
        withUnsafeMutableBytes(of: &result.storage) { slotBytes in
            let slots = slotBytes.bindMemory(to: Int32.self)
            bytes.withUnsafeBufferPointer { bytes in
                offsets.withUnsafeBufferPointer { offsets in
                    byLength.withUnsafeBufferPointer { byLength in
                        guard let namesBase = bytes.baseAddress else { return }
                        @inline(__always) func name(_ index: Int) -> UnsafeBufferPointer<UInt8> {
                            UnsafeBufferPointer(start: namesBase + offsets[index], count: offsets[index &+ 1] &- offsets[index])
                        }
                        var key = object + 1
                        let end = Int(view[object].next)
                        while key < end {
                            let value = key + 1
                            let token = view[key]
                            if !token.isEscaped {
                                let length = Int(token.end &- token.start)
                                if length < 64 {
                                    var candidates = byLength[length]
                                    while candidates != 0 {
                                        let index = candidates.trailingZeroBitCount
                                        candidates &= candidates &- 1
                                        if view.stringEquals(key, name(index)) { slots[index] = Int32(value) }
                                    }
                                }
                            } else {
                                // Rare: compare the decoded key against every name.
                                for index in 0..<(offsets.count &- 1) where view.stringEquals(key, name(index)) {
                                    slots[index] = Int32(value)
                                }
                            }
                            key = Int(view[value].next)
                        }
                    }
                }
            }
        }
        return result
    }
}
