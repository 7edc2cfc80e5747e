import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `gateway-bench`: drives a Socket.IO server (gatewayd or a baseline) with one scenario and prints one JSON line.
///
/// The connections are split across `--threads` event-loop threads (one by default), so the generator uses that
/// many cores however many sockets it opens; the JSON line goes to stdout, a readable summary to stderr.
///
/// `--url` may be repeated, for the nodes of a cluster: subscribers (and workers, idle connections) are spread over
/// the URLs round-robin, publishers all go to the first, and the report adds what each URL's connections measured
/// (`targets`). `--server-pid` may be repeated too: the servers' CPU time and RSS are then the sums.
@main
struct GatewayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-bench",
        abstract: "Load generator for gatewayd and its baselines (Engine.IO v4 / Socket.IO v5 over WebSocket)."
    )

    @Option(help: ArgumentHelp(
        "Server URL (http://host:port); the Engine.IO path is added. Repeat it to spread the connections over several "
            + "servers round-robin (fan-out's publishers on the first; churn takes one).",
        valueName: "url"))
    var url: [String] = ["http://127.0.0.1:8080"]

    @Option(help: "Engine.IO path on the server.")
    var path = "/socket.io/"

    @Option(help: "Socket.IO namespace (the gateway path).")
    var namespace = "/bench"

    @Option(help: "Scenario: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: Scenario = .echoAck

    @Option(name: .customLong("protocol"), help: "socketio, or raw-ws against a plain WebSocket echo server.")
    var wireProtocol: WireProtocol = .socketIO

    @Option(help: "websocket, or polling-upgrade: the handshake over long-polling, then the upgrade (the official clients' default).")
    var transport: Transport = .websocket

    @Option(help: "Connections carrying the load (subscribers in fanout).")
    var connections = 50

    @Option(help: "Event-loop threads the connections are split across (at most --connections); churn runs on one.")
    var threads = 1

    @Option(help: "Fan-out publishers, in addition to --connections.")
    var publishers = 1

    @Option(help: "New connections per second while connecting.")
    var connectRate = 2000.0

    @Option(help: "Closed loop: events in flight per connection (ignored with --rate); churn: connections open at once.")
    var inFlight = 8

    @Option(help: "Churn: connections churned before the server's memory is first read (default: a tenth of --connections).")
    var churnWarmup: Int?

    @Option(help: "Open loop: events per second per connection.")
    var rate: Double?

    @Option(help: "Bytes of padding in each event's body.")
    var payload = 64

    @Option(help: "Seconds measured.")
    var duration = 10.0

    @Option(help: "Seconds of load before measuring.")
    var warmup = 2.0

    @Option(help: ArgumentHelp(
        "A fixed workload instead of a time: exactly this many events (publishes in fan-out), measured from the "
            + "first send until each has completed (in fan-out, until every delivery arrived); one thread, closed loop.",
        valueName: "count"))
    var events: Int?

    @Option(help: "With --events: events sent (and completed) before the measured ones.")
    var warmupEvents = 0

    @Option(help: ArgumentHelp(
        "A shell command run just before the measured load starts (churn: before the measured churn), and waited for.",
        valueName: "command"))
    var beforeMeasure: String?

    @Option(help: ArgumentHelp(
        "A shell command run just after the measured load completed, and waited for.", valueName: "command"))
    var afterMeasure: String?

    @Option(help: "JWT sent as the CONNECT auth token.")
    var token: String?

    @Option(help: "Fan-out room name.")
    var room = "fan"

    @Option(help: "Comma-separated local addresses to connect from (127.0.0.x spreads ports past ~28k connections).")
    var sourceAddresses: String?

    @Option(help: ArgumentHelp(
        "Server process id, to report its RSS and CPU time (from /proc); repeat it for several servers (summed).",
        valueName: "pid"))
    var serverPid: [Int32] = []

    @Option(help: ArgumentHelp(
        "A database server's process id (PostgreSQL's postmaster): the CPU time of it and its children over the "
            + "measured window is reported as database_cpu_s.",
        valueName: "pid"))
    var databasePid: Int32?

    @Option(help: "Name of the server in the report.")
    var label = "server"

    func validate() throws {
        guard !url.isEmpty else { throw ValidationError("--url must be given at least once") }
        for url in url {
            guard let parsed = URL(string: url), parsed.scheme == "http", parsed.host != nil else {
                throw ValidationError("--url must look like http://host:port (got \(url))")
            }
        }
        if scenario == .churn, url.count > 1 { throw ValidationError("--scenario churn takes one --url") }
        guard connections > 0 else { throw ValidationError("--connections must be positive") }
        guard (1...connections).contains(threads) else {
            throw ValidationError("--threads must be between 1 and --connections (\(connections))")
        }
        guard inFlight > 0 else { throw ValidationError("--in-flight must be positive") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be positive, --warmup not negative") }
        guard connectRate > 0 else { throw ValidationError("--connect-rate must be positive") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        if wireProtocol == .rawWebSocket, ![.echoAck, .idle, .churn].contains(scenario) {
            throw ValidationError("--protocol raw-ws only runs the echo-ack, idle and churn scenarios")
        }
        if transport == .pollingUpgrade, wireProtocol == .rawWebSocket || scenario == .churn {
            throw ValidationError("--transport polling-upgrade is for Socket.IO scenarios other than churn")
        }
        if let churnWarmup, churnWarmup < 0 { throw ValidationError("--churn-warmup must not be negative") }
        if let events {
            guard events > 0, warmupEvents >= 0 else { throw ValidationError("--events must be positive, --warmup-events not negative") }
            guard threads == 1, rate == nil, [.echoAck, .pipeline, .fanout].contains(scenario) else {
                throw ValidationError("--events runs echo-ack, pipeline or fanout on one thread in a closed loop (no --rate)")
            }
        }
    }

    func run() async throws {
        let plan = try makePlan()
        if scenario == .churn { return try await runChurn(plan) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let run = ShardedRun(plan: plan, group: group, threads: threads)
        let rssBefore = ProcessMemory.residentKilobytes(pids: serverPid)
        var cpuBefore: CPUReading?

        let connectStart = NIODeadline.now()
        try await run.connectAll(within: .seconds(Int64(Double(plan.totalConnections) / connectRate * 3) + 30))
        let connectSeconds = Double((NIODeadline.now() - connectStart).nanoseconds) / 1e9
        if try await run.connectedCount() > 0, let events {
            if scenario == .fanout { try await run.joinSubscribers() }
            let bound = TimeAmount.minutes(30)
            try await run.runFixed(warmupEvents, within: bound)
            if scenario == .fanout { _ = try await run.settle() }
            try runHook(beforeMeasure)
            try await run.beginRecording()
            cpuBefore = readCPU()
            try await run.runFixed(events, within: bound)
        } else if try await run.connectedCount() > 0 {
            if scenario == .fanout { try await run.joinSubscribers() }
            try await run.startLoad()
            try await Task.sleep(for: .seconds(warmup))
            try await run.beginRecording()
            cpuBefore = readCPU()
            try await Task.sleep(for: .seconds(duration))
        }
        // A fixed fan-out workload is measured until its deliveries have arrived.
        let fixedSettlement = events != nil && scenario == .fanout && cpuBefore != nil ? try await run.settle() : nil
        let measured = try await run.endRecording()
        let cpu = cpuBefore.map { readCPU().since($0) }
        if cpuBefore != nil { try runHook(afterMeasure) }
        // Read once per pid: the sum and the parts agree.
        let rssAfterByPid = serverPid.reduce(into: [Int32: Int]()) { $0[$1] = ProcessMemory.residentKilobytes(pid: $1) }
        let rssAfter = rssAfterByPid.isEmpty ? nil : rssAfterByPid.values.reduce(0, +)
        let rssByPid = serverPid.count > 1 ? rssAfterByPid.reduce(into: [String: Int]()) { $0["\($1.key)"] = $1.value } : nil
        // Fan-out: once the load has stopped, what was owed arrives (or is lost).
        var settlement = fixedSettlement
        if settlement == nil, scenario == .fanout, measured.connected > 0 { settlement = try await run.settle() }
        try? await run.closeAll()
        try await group.shutdownGracefully()

        var report = makeReport(measured, connectSeconds: connectSeconds, rssBefore: rssBefore, rssAfter: rssAfter, serverCPU: cpu?.servers)
        report.add(cpu: cpu, rssByPid: rssByPid, settlement: settlement, measured: measured, plan: plan)
        print(report.jsonLine())
        FileHandle.standardError.write(Data((report.summary() + "\n").utf8))
        if measured.connected == 0 || (scenario != .idle && measured.completions == 0) {
            throw ExitCode.failure
        }
    }

    /// Warm-up churn, then the measured churn between two readings of the server's RSS: what stays per connection.
    /// Not sharded: it runs on one event loop whatever `--threads` says, and reports one generator thread.
    private func runChurn(_ plan: BenchPlan) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let run = ChurnRun(plan: plan, eventLoop: loop, concurrency: inFlight)
        let bound = TimeAmount.seconds(Int64(connections / 100) + 120)
        try await loop.flatSubmit { run.churn(churnWarmup ?? connections / 10) }.bounded(by: bound, on: loop, phase: "warming up").get()
        let warmedUp = try await loop.submit { run.completed }.get()
        let rssBefore = ProcessMemory.residentKilobytes(pids: serverPid)
        let cpuBefore = ProcessCPU.seconds(pids: serverPid)
        try runHook(beforeMeasure)
        let start = NIODeadline.now()
        try await loop.flatSubmit { run.churn(connections) }.bounded(by: bound, on: loop, phase: "churning").get()
        let seconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        try runHook(afterMeasure)
        let rssAfter = ProcessMemory.residentKilobytes(pids: serverPid)
        let cpu = cpuBefore.flatMap { before in ProcessCPU.seconds(pids: serverPid).map { $0 - before } }
        let (completed, errors) = try await loop.submit { (run.completed - warmedUp, run.errors) }.get()
        try await group.shutdownGracefully()

        let retained: Int? = if let rssBefore, let rssAfter, completed > 0 { (rssAfter - rssBefore) * 1024 / completed } else { nil }
        let report = BenchReport(
            label: label, scenario: scenario.rawValue, protocol: wireProtocol.rawValue, url: url[0], namespace: namespace,
            connections: connections, connected: completed, in_flight: inFlight, payload_bytes: 0,
            duration_s: seconds, events: UInt64(completed), throughput: Double(completed) / seconds,
            errors: errors.values.reduce(0, +), error_kinds: errors, connect_time_s: seconds,
            server_rss_kb_before: rssBefore, server_rss_kb: rssAfter, rss_per_conn_bytes: retained, generator_threads: 1,
            server_cpu_s: cpu, server_cpu_us_per_unit: cpu.flatMap { completed > 0 ? $0 * 1e6 / Double(completed) : nil })
        print(report.jsonLine())
        FileHandle.standardError.write(Data((report.summary() + "\n").utf8))
        if completed == 0 { throw ExitCode.failure }
    }

    /// Runs a `--before-measure` / `--after-measure` command through the shell and waits for it; a failure stops the run.
    private func runHook(_ command: String?) throws {
        guard let command else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(command) exited with \(process.terminationStatus)")
        }
    }

    /// CPU time so far of the servers (each), the database's process tree and this generator.
    private func readCPU() -> CPUReading {
        CPUReading(
            byServer: serverPid.reduce(into: [:]) { $0[$1] = ProcessCPU.seconds(pid: $1) },
            threadsByServer: serverPid.reduce(into: [:]) { $0[$1] = ProcessCPU.threads(pid: $1) },
            database: databasePid.flatMap(ProcessCPU.treeSeconds),
            generator: ProcessCPU.seconds(pid: getpid()),
            machine: ProcessCPU.machineSeconds())
    }

    private func makePlan() throws -> BenchPlan {
        let targets = url.map { url in
            let parsed = URL(string: url)!
            return BenchTarget(host: parsed.host!, port: parsed.port ?? 80, url: url)
        }
        let addresses = try (sourceAddresses ?? "").split(separator: ",").map {
            try SocketAddress(ipAddress: String($0).trimmingCharacters(in: .whitespaces), port: 0)
        }
        return BenchPlan(
            targets: targets,
            requestPath: (path.hasSuffix("/") ? path : path + "/") + "?EIO=4&transport=websocket",
            pollingPath: (path.hasSuffix("/") ? path : path + "/") + "?EIO=4&transport=polling", transport: transport,
            namespace: namespace, token: token, wireProtocol: wireProtocol, scenario: scenario,
            connections: connections, publishers: scenario == .fanout ? publishers : 0, connectRate: connectRate,
            inFlight: inFlight, ratePerConnection: rate, payloadBytes: payload, room: room, sourceAddresses: addresses
        )
    }

    private func makeReport(
        _ measured: Measurement, connectSeconds: Double, rssBefore: Int?, rssAfter: Int?, serverCPU: Double?
    ) -> BenchReport {
        // Fan-out's unit of work is a delivery; every other scenario's is a completed event.
        let units = scenario == .fanout ? measured.deliveries : measured.completions
        let perConnection: Int? = if let rssBefore, let rssAfter, measured.connected > 0 {
            (rssAfter - rssBefore) * 1024 / measured.connected
        } else {
            nil
        }
        return BenchReport(
            label: label, scenario: scenario.rawValue, protocol: wireProtocol.rawValue,
            transport: wireProtocol == .socketIO ? transport.rawValue : nil, url: url[0], namespace: namespace,
            connections: scenario == .fanout ? connections + publishers : connections, connected: measured.connected,
            publishers: scenario == .fanout ? publishers : nil,
            in_flight: rate == nil ? inFlight : nil, rate_per_connection: rate, payload_bytes: payload,
            duration_s: measured.seconds, events: measured.completions,
            throughput: Double(measured.completions) / measured.seconds,
            errors: measured.errors.values.reduce(0, +), error_kinds: measured.errors,
            ack: measured.ack.summary, result: measured.result.summary, delivery: measured.delivery.summary,
            deliveries: scenario == .fanout ? measured.deliveries : nil,
            deliveries_per_s: scenario == .fanout ? Double(measured.deliveries) / measured.seconds : nil,
            connect_time_s: connectSeconds, server_rss_kb_before: rssBefore, server_rss_kb: rssAfter,
            rss_per_conn_bytes: perConnection, generator_threads: threads,
            server_cpu_s: serverCPU, server_cpu_us_per_unit: serverCPU.flatMap { units > 0 ? $0 * 1e6 / Double(units) : nil }
        )
    }
}

extension Scenario: ExpressibleByArgument {}
extension WireProtocol: ExpressibleByArgument {}
extension Transport: ExpressibleByArgument {}

/// CPU time read at one instant, in seconds; the difference of two is what a window cost.
struct CPUReading {
    var byServer: [Int32: Double]
    var threadsByServer: [Int32: [Int32: (name: String, seconds: Double)]] = [:]
    var database: Double?
    var generator: Double?
    var machine: Double?

    /// The `count` threads of each server that used the most CPU, busiest first.
    func busiestThreads(_ count: Int) -> [String: [ThreadCPU]] {
        threadsByServer.reduce(into: [:]) { result, server in
            result["\(server.key)"] = server.value.values.sorted { $0.seconds > $1.seconds }.prefix(count)
                .map { ThreadCPU(thread: $0.name, cpu_s: $0.seconds) }
        }
    }

    /// The servers' sum; nil when none was there.
    var servers: Double? { byServer.isEmpty ? nil : byServer.values.reduce(0, +) }

    /// What was used since `before`, for the processes read both times.
    func since(_ before: CPUReading) -> CPUReading {
        CPUReading(
            byServer: byServer.reduce(into: [:]) { result, entry in
                if let earlier = before.byServer[entry.key] { result[entry.key] = entry.value - earlier }
            },
            threadsByServer: threadsByServer.reduce(into: [:]) { result, server in
                let earlier = before.threadsByServer[server.key] ?? [:]
                result[server.key] = server.value.reduce(into: [:]) { threads, thread in
                    threads[thread.key] = (thread.value.name, thread.value.seconds - (earlier[thread.key]?.seconds ?? 0))
                }
            },
            database: database.flatMap { now in before.database.map { now - $0 } },
            generator: generator.flatMap { now in before.generator.map { now - $0 } },
            machine: machine.flatMap { now in before.machine.map { now - $0 } })
    }
}
