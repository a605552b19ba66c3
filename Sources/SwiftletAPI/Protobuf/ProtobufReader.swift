/// The protobuf wire types Kubernetes' messages use (groups, 3 and 4, are never used and are rejected).
enum ProtobufWireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// Reads protobuf wire primitives from a range of a byte array, checking every length against the range,
/// so malformed input ends in an error rather than a crash or a read past the message.
struct ProtobufReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type.
    mutating func readTag() throws(KubernetesProtobufError) -> (number: Int, wireType: ProtobufWireType) {
        let offset = position
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= 536_870_911 else {
            throw KubernetesProtobufError(.malformed, "invalid field number \(number) at byte \(offset)")
        }
        let raw = UInt8(key & 7)
        guard let wireType = ProtobufWireType(rawValue: raw) else {
            if raw == 3 || raw == 4 {
                throw KubernetesProtobufError(.unsupported, "protobuf groups (field \(number) at byte \(offset)) are not supported")
            }
            throw KubernetesProtobufError(.malformed, "invalid wire type \(raw) for field \(number) at byte \(offset)")
        }
        return (Int(number), wireType)
    }

    mutating func readVarint() throws(KubernetesProtobufError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else {
                throw KubernetesProtobufError(.malformed, "truncated varint at byte \(start)")
            }
            let byte = bytes[position]
            position += 1
            // The tenth byte may only carry the top bit of a 64-bit value.
            if shift == 63, byte > 1 {
                throw KubernetesProtobufError(.malformed, "varint at byte \(start) overflows 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func readFixed64() throws(KubernetesProtobufError) -> UInt64 {
        guard end - position >= 8 else {
            throw KubernetesProtobufError(.malformed, "truncated 64-bit value at byte \(position)")
        }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return value
    }

    mutating func readFixed32() throws(KubernetesProtobufError) -> UInt32 {
        guard end - position >= 4 else {
            throw KubernetesProtobufError(.malformed, "truncated 32-bit value at byte \(position)")
        }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        position += 4
        return value
    }

    /// The range of a length-delimited value (string, bytes, message, packed list), which it skips.
    mutating func readLengthDelimited() throws(KubernetesProtobufError) -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw KubernetesProtobufError(
                .malformed, "length \(length) at byte \(start) runs past the end of its message (\(end - position) bytes left)")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    mutating func skipField(_ wireType: ProtobufWireType) throws(KubernetesProtobufError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: _ = try readFixed32()
        }
    }
}
