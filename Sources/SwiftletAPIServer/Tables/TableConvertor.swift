import Foundation
import SwiftletAPI

/// Renders objects as `meta.k8s.io/v1` Tables with the columns upstream's printers use, so `kubectl get` looks the same.
public enum TableConvertor {
    struct Column: Sendable {
        var name: String
        var type: String = "string"
        var format: String = ""
        var priority: Int = 0
        var description: String
        var cell: @Sendable (JSONValue) -> JSONValue
    }

    public static func table(for resource: APIResourceInfo, objects: [CachedObject], revision: Int64, includeObject: String) -> JSONValue {
        let columns = TableColumns.columns(for: resource)
        let definitions: [JSONValue] = columns.map {
            ["name": .string($0.name), "type": .string($0.type), "format": .string($0.format), "description": .string($0.description),
             "priority": .int(Int64($0.priority))]
        }
        let rows: [JSONValue] = objects.map { o in
            var row: JSONObject = ["cells": .array(columns.map { $0.cell(o.object) })]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = o.object
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o.object["metadata"] ?? .object([:])]
            }
            return .object(row)
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": ["resourceVersion": .string(String(revision))],
                "columnDefinitions": .array(definitions), "rows": .array(rows)]
    }

    /// Upstream's `duration.HumanDuration`: `45s`, `5m10s`, `3h`, `2d5h`, `400d`, `3y20d`.
    public static func humanDuration(_ seconds: Double) -> String {
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        let s = Int(seconds)
        if s < 120 { return "\(s)s" }
        let m = s / 60
        if m < 10 {
            let rs = s % 60
            return rs == 0 ? "\(m)m" : "\(m)m\(rs)s"
        }
        if m < 180 { return "\(m)m" }
        let h = s / 3600
        if h < 8 {
            let rm = m % 60
            return rm == 0 ? "\(h)h" : "\(h)h\(rm)m"
        }
        if h < 48 { return "\(h)h" }
        if h < 192 {
            let rh = h % 24
            return rh == 0 ? "\(h / 24)d" : "\(h / 24)d\(rh)h"
        }
        let d = h / 24
        if d < 365 * 2 { return "\(d)d" }
        let y = d / 365
        if y < 8 {
            let rd = d % 365
            return rd == 0 ? "\(y)y" : "\(y)y\(rd)d"
        }
        return "\(y)y"
    }

    static func age(_ timestamp: JSONValue?) -> JSONValue {
        guard let s = timestamp?.stringValue, let date = RFC3339.parse(s) else { return "<unknown>" }
        return .string(humanDuration(Date().timeIntervalSince(date)))
    }
}
