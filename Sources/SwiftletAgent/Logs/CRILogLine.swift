import Foundation
import SwiftletAPI

/// One line of a CRI container log file, as containerd writes it:
/// `2016-10-06T00:17:09.669794202Z stdout F the content` (`P` marks a partial line continued by the next).
public struct CRILogLine: Sendable, Equatable {
    public var timestamp: Date
    /// The timestamp as written, for `--timestamps`.
    public var timestampText: Substring
    public var stream: Substring
    public var partial: Bool
    public var content: Substring

    /// Parses a line (without its newline); nil when it is not in the CRI format.
    public init?(_ line: Substring) {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, let time = RFC3339.parse(String(parts[0])) else { return nil }
        timestamp = time
        timestampText = parts[0]
        stream = parts[1]
        partial = parts[2] == "P"
        content = parts.count == 4 ? parts[3] : ""
    }
}
