/// Where each field of a served definition sits on the protobuf wire: the numbers the schema lacks.
///
/// `shared` holds the table generated into `ProtobufFieldNumbers.swift` by hack/generate-protobuf-fields.py.
final class ProtobufFieldTable: Sendable {
    /// One JSON field of a message.
    struct Field: Sendable, Hashable {
        var name: String
        var number: Int
        /// The Go field is a pointer, so an explicit zero, `false` or `""` was set on purpose and is kept.
        var keepsZero: Bool
        /// A string list the wire wraps in a message with a repeated field 1 (meta/v1 `Verbs`).
        var isWrappedList: Bool
    }

    /// What a field number of a message holds.
    indirect enum Slot: Sendable {
        case field(Field)
        /// A Go embedded struct: a message whose fields belong to the enclosing JSON object.
        case inline(MessageLayout)
    }

    /// The fields of one message.
    struct MessageLayout: Sendable {
        var slots: [Int: Slot] = [:]
        /// Every JSON field, inlined ones included, with the field numbers that lead to it.
        var locations: [String: (numbers: [Int], field: Field)] = [:]
    }

    static let shared: ProtobufFieldTable = {
        do {
            return try ProtobufFieldTable(json: ProtobufFieldNumbers.json)
        } catch {
            // The table is generated and covered by tests; failing here means the generator is broken.
            fatalError("ProtobufFieldNumbers.json is not a valid field table: \(error)")
        }
    }()

    private let layouts: [String: MessageLayout]

    /// Reads a document in the format hack/generate-protobuf-fields.py writes.
    init(json: String) throws(KubernetesProtobufError) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(json)
        } catch {
            throw KubernetesProtobufError(.malformed, "field table: \(error)")
        }
        guard let entries = document.objectValue else {
            throw KubernetesProtobufError(.malformed, "field table is not an object")
        }
        var layouts: [String: MessageLayout] = [:]
        for (name, entry) in entries {
            guard let text = entry.stringValue else {
                throw KubernetesProtobufError(.malformed, "field table entry \(name) is not a string")
            }
            var parser = EntryParser(text: Array(text.utf8), definition: name)
            layouts[name] = try parser.parseLayout(nested: false)
        }
        self.layouts = layouts
    }

    /// The layout of a definition, such as `io.k8s.api.core.v1.PodSpec`; nil for definitions without one.
    func layout(for definition: String) -> MessageLayout? { layouts[definition] }

    /// Parses `name=1 other=2* @3{inlined=1}`.
    private struct EntryParser {
        let text: [UInt8]
        let definition: String
        var index = 0

        init(text: [UInt8], definition: String) {
            self.text = text
            self.definition = definition
        }

        mutating func parseLayout(nested: Bool) throws(KubernetesProtobufError) -> MessageLayout {
            var layout = MessageLayout()
            while true {
                while index < text.count, text[index] == UInt8(ascii: " ") { index += 1 }
                guard index < text.count else {
                    if nested { throw error("unclosed '{'") }
                    return layout
                }
                if text[index] == UInt8(ascii: "}") {
                    guard nested else { throw error("unbalanced '}'") }
                    index += 1
                    return layout
                }
                if text[index] == UInt8(ascii: "@") {
                    index += 1
                    let number = try parseNumber()
                    guard index < text.count, text[index] == UInt8(ascii: "{") else { throw error("expected '{'") }
                    index += 1
                    let inner = try parseLayout(nested: true)
                    try claim(number, in: layout)
                    layout.slots[number] = .inline(inner)
                    for (name, location) in inner.locations {
                        if layout.locations[name] != nil { throw error("field \(name) listed twice") }
                        layout.locations[name] = ([number] + location.numbers, location.field)
                    }
                    continue
                }
                let start = index
                while index < text.count, text[index] != UInt8(ascii: "=") { index += 1 }
                guard index < text.count, index > start else { throw error("expected name=number") }
                let name = String(decoding: text[start..<index], as: UTF8.self)
                index += 1
                let number = try parseNumber()
                var field = Field(name: name, number: number, keepsZero: false, isWrappedList: false)
                while index < text.count {
                    if text[index] == UInt8(ascii: "*") {
                        field.keepsZero = true
                    } else if text[index] == UInt8(ascii: "^") {
                        field.isWrappedList = true
                    } else {
                        break
                    }
                    index += 1
                }
                try claim(number, in: layout)
                if layout.locations[name] != nil { throw error("field \(name) listed twice") }
                layout.slots[number] = .field(field)
                layout.locations[name] = ([number], field)
            }
        }

        private mutating func parseNumber() throws(KubernetesProtobufError) -> Int {
            var value = 0
            let start = index
            while index < text.count, text[index] >= UInt8(ascii: "0"), text[index] <= UInt8(ascii: "9"), value < 1 << 30 {
                value = value * 10 + Int(text[index] - UInt8(ascii: "0"))
                index += 1
            }
            guard index > start, value >= 1 else { throw error("expected a field number") }
            return value
        }

        private func claim(_ number: Int, in layout: MessageLayout) throws(KubernetesProtobufError) {
            if layout.slots[number] != nil { throw error("field number \(number) used twice") }
        }

        private func error(_ message: String) -> KubernetesProtobufError {
            KubernetesProtobufError(.malformed, "field table entry \(definition), offset \(index): \(message)")
        }
    }
}
