import Foundation

/// The plugins of one scheduling profile by extension point, and the code that runs each point over them
/// (upstream's `frameworkImpl`). Plugins run in registration order; the first rejecting filter decides.
public final class Framework: Sendable {
    public let plugins: [any SchedulerPlugin]
    let preFilters: [any PreFilterPlugin]
    let filters: [any FilterPlugin]
    let postFilters: [any PostFilterPlugin]
    let preScores: [any PreScorePlugin]
    let scorers: [(plugin: any ScorePlugin, weight: Int64)]
    let reservers: [any ReservePlugin]
    let binders: [any BindPlugin]

    /// `weights` by plugin name for score plugins (1 when absent).
    public init(plugins: [any SchedulerPlugin], weights: [String: Int64] = [:]) {
        self.plugins = plugins
        preFilters = plugins.compactMap { $0 as? any PreFilterPlugin }
        filters = plugins.compactMap { $0 as? any FilterPlugin }
        postFilters = plugins.compactMap { $0 as? any PostFilterPlugin }
        preScores = plugins.compactMap { $0 as? any PreScorePlugin }
        scorers = plugins.compactMap { p in (p as? any ScorePlugin).map { ($0, weights[$0.name] ?? 1) } }
        reservers = plugins.compactMap { $0 as? any ReservePlugin }
        binders = plugins.compactMap { $0 as? any BindPlugin }
    }

    /// The cluster events each plugin registered, by plugin name.
    public var clusterEventsByPlugin: [String: [ClusterEvent]] {
        Dictionary(plugins.map { ($0.name, $0.clusterEvents) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: PreFilter

    /// Runs every PreFilter; the first rejection (or error) ends the run. Returns the intersection of the
    /// plugins' node sets (nil: no narrowing).
    public func runPreFilter(_ state: CycleState, pod: PodInfo) -> (PreFilterResult, PluginStatus) {
        var result: PreFilterResult = nil
        for plugin in preFilters {
            let (narrowed, status) = plugin.preFilter(state, pod: pod)
            if status.code == .skip {
                state.markSkipped(plugin.name, at: .filter)
                continue
            }
            if !status.isSuccess { return (nil, status.withPlugin(plugin.name)) }
            if let narrowed {
                result = result.map { $0.intersection(narrowed) } ?? narrowed
                if result?.isEmpty == true {
                    return (result, PluginStatus(.unschedulableAndUnresolvable, ["node(s) didn't satisfy plugin(s) [\(plugin.name)]"],
                                                 plugin: plugin.name))
                }
            }
        }
        return (result, .success)
    }

    func runAddPod(_ state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, node: NodeInfo) {
        let skipped = state.skippedPlugins(at: .filter)
        for case let plugin as any PreFilterExtensions in preFilters where !skipped.contains(plugin.name) {
            plugin.addPod(state, podToSchedule: podToSchedule, podToAdd: podToAdd, node: node)
        }
    }

    func runRemovePod(_ state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, node: NodeInfo) {
        let skipped = state.skippedPlugins(at: .filter)
        for case let plugin as any PreFilterExtensions in preFilters where !skipped.contains(plugin.name) {
            plugin.removePod(state, podToSchedule: podToSchedule, podToRemove: podToRemove, node: node)
        }
    }

    // MARK: Filter

    /// Runs the filters on one node; the first that rejects decides.
    public func runFilters(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        let skipped = state.skippedPlugins(at: .filter)
        for plugin in filters where skipped.isEmpty || !skipped.contains(plugin.name) {
            let status = plugin.filter(state, pod: pod, node: node)
            if !status.isSuccess { return status.withPlugin(plugin.name) }
        }
        return .success
    }

    /// Runs the filters as if the pods nominated to `node` with at least the pod's priority were already there,
    /// and, when that passes, also without them (upstream's `RunFilterPluginsWithNominatedPods`): the pod must
    /// fit both ways, so it neither takes room preemption freed for others nor counts on pods not yet there.
    public func runFiltersWithNominatedPods(_ state: CycleState, pod: PodInfo, node: NodeInfo, nominated: [PodInfo]) -> PluginStatus {
        let relevant = nominated.filter { $0.key != pod.key && $0.priority >= pod.priority }
        if relevant.isEmpty { return runFilters(state, pod: pod, node: node) }
        let withNominated = state.clone()
        var nodeWithNominated = node
        for nominatedPod in relevant {
            nodeWithNominated.add(nominatedPod)
            runAddPod(withNominated, podToSchedule: pod, podToAdd: nominatedPod, node: nodeWithNominated)
        }
        let status = runFilters(withNominated, pod: pod, node: nodeWithNominated)
        if !status.isSuccess { return status }
        return runFilters(state, pod: pod, node: node)
    }

    // MARK: PostFilter

    /// Runs PostFilters until one succeeds (upstream's semantics: the first success wins).
    public func runPostFilter(_ state: CycleState, pod: PodInfo, statuses: NodeToStatus) async -> (PostFilterResult?, PluginStatus) {
        var lastStatus = PluginStatus(.unschedulable)
        var result: PostFilterResult?
        for plugin in postFilters {
            let (r, status) = await plugin.postFilter(state, pod: pod, statuses: statuses, framework: self)
            if status.isSuccess { return (r, status) }
            if status.code == .error { return (r, status.withPlugin(plugin.name)) }
            if r != nil { result = r }
            lastStatus = status.withPlugin(plugin.name)
        }
        return (result, lastStatus)
    }

    public var hasPostFilters: Bool { !postFilters.isEmpty }

    // MARK: Score

    /// The weighted, normalized total score of each node (aligned with `nodes`).
    public func runScore(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo]) async -> [Int64] {
        for plugin in preScores {
            let status = plugin.preScore(state, pod: pod, nodes: nodes)
            if status.code == .skip { state.markSkipped(plugin.name, at: .score) }
        }
        let skipped = state.skippedPlugins(at: .score)
        let plugins = scorers.filter { !skipped.contains($0.plugin.name) }
        if plugins.isEmpty { return Array(repeating: 0, count: nodes.count) }
        let perNode = await Parallel.map(nodes.count) { i in plugins.map { $0.plugin.score(state, pod: pod, node: nodes[i]) } }
        var totals = Array(repeating: Int64(0), count: nodes.count)
        for (p, entry) in plugins.enumerated() {
            var scores = perNode.map { $0[p] }
            entry.plugin.normalize(state, pod: pod, nodes: nodes, scores: &scores)
            for i in scores.indices { totals[i] += scores[i] * entry.weight }
        }
        return totals
    }

    // MARK: Reserve and Bind

    public func runReserve(_ state: CycleState, pod: PodInfo, nodeName: String) -> PluginStatus {
        for plugin in reservers {
            let status = plugin.reserve(state, pod: pod, nodeName: nodeName)
            if !status.isSuccess { return status.withPlugin(plugin.name) }
        }
        return .success
    }

    public func runUnreserve(_ state: CycleState, pod: PodInfo, nodeName: String) {
        for plugin in reservers.reversed() { plugin.unreserve(state, pod: pod, nodeName: nodeName) }
    }

    /// The first binder that does not skip binds.
    public func runBind(_ state: CycleState, pod: PodInfo, nodeName: String) async -> PluginStatus {
        for plugin in binders {
            let status = await plugin.bind(state, pod: pod, nodeName: nodeName)
            if status.code == .skip { continue }
            return status.isSuccess ? status : status.withPlugin(plugin.name)
        }
        return .error("no bind plugin bound the pod")
    }
}
