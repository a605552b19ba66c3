/// Byte-wise key ordering, as etcd and the SQLite `BLOB` column compare keys.
///
/// Swift's `String` comparison follows Unicode canonical ordering, which is not byte order, so the
/// memory backend uses these instead to agree with SQLite on every key.
enum KeyOrder {
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    static func hasPrefix(_ key: String, _ prefix: String) -> Bool {
        prefix.isEmpty || key.utf8.starts(with: prefix.utf8)
    }

    /// The smallest byte string greater than every string starting with `prefix`, or nil when there is none.
    static func rangeEnd(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return nil
    }
}
