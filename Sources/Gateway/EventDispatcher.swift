import JSONCore
import Logging
import Persistence
import ScriptSandbox
import SocketIO

/// Turns each client event into a handler run on the job queue and answers the client.
///
/// `queued` events are acked as accepted at once and their outcome follows as `ws:result` / `ws:error`;
/// `result` events are acked with the outcome; `callback` events are acked error-first (`ack(null, ...values)` or
/// `ack(error)`). An event without a handler of its own runs the gateway's fallback handler if it has one. An event
/// that cannot run is always answered — in its ack, or with `ws:error` when the client asked for no ack — never
/// dropped silently.
///
/// One per runtime, held by every socket's event handler: a class, so each socket's closure keeps a reference rather
/// than a copy of these fields.
final class EventDispatcher: Sendable {
    let gateways: GatewayDirectory
    let queue: JobQueue
    let pool: ScriptWorkerPool
    let services: GatewayServices
    let settings: GatewaySettings
    let logger: Logger
    /// The results of signed-in users' queued events, for `ws:results`.
    let ledger: ResultLedger

    init(gateways: GatewayDirectory, queue: JobQueue, pool: ScriptWorkerPool, services: GatewayServices,
         settings: GatewaySettings, logger: Logger) {
        self.gateways = gateways
        self.queue = queue
        self.pool = pool
        self.services = services
        self.settings = settings
        self.logger = logger
        self.ledger = ResultLedger(retention: settings.resultRetention)
    }

    /// Called as the client's packets are routed, one event at a time in arrival order; returns at once.
    func dispatch(_ event: SocketEvent, on connection: GatewayConnection) {
        let gateway = gateways.gateway(at: connection.path)
        let verdict = connection.eventArrived()
        guard verdict == .admit else {
            let mode = gateway?.handler(for: event.name)?.ack ?? gateway?.record.defaultAck ?? .queued
            return refuseOverBudget(event, verdict: verdict, mode: mode, on: connection)
        }
        if event.name == GatewayReplies.resultsRequest {
            answerResultsRequest(event, on: connection)
            return
        }
        guard let handler = gateway?.handler(for: event.name) else {
            refuse(event, mode: gateway?.record.defaultAck ?? .queued, on: connection, code: .noHandler,
                   message: "gateway '\(connection.path)' has no handler for event '\(event.name)'", metricName: GatewayMetrics.unknownEvent)
            return
        }
        let requestId = RequestID.make()
        let mode = handler.ack
        let job = JobQueue.Job(
            gateway: connection.path, kind: handler.kind, name: event.name, bytes: event.wireBytes, duration: handler.metrics.duration,
            start: { [self] run in
                let began = GatewayMetrics.now
                pool.submit(
                    handler.script, context: connection.context(for: handler.script, event: event.name, args: event.args, requestId: requestId),
                    socket: connection.live, services: services.forRun(handler.script, user: connection.user),
                    limits: settings.limits(timeoutMilliseconds: handler.timeoutMs), owner: run
                ) { [self] outcome in
                    deliver(outcome, of: event, requestId: requestId, mode: mode, on: connection, metrics: handler.metrics,
                            began: began)
                    if let request = connection.live.takeDisconnectRequest() {
                        connection.socket.disconnect(close: request == .connection)
                    }
                    run.finished()
                }
            },
            abandon: { [self] in
                let failure = HandlerFailure(code: .serviceUnavailable, message: "the server shut down before the handler ran")
                deliver(.failure(failure), of: event, requestId: requestId, mode: mode, on: connection,
                        metrics: handler.metrics, code: GatewayErrorCode.shuttingDown.rawValue)
            })
        let admission = queue.submit(job, lane: connection.socket.id) {
            if mode == .queued { event.ack?.send([GatewayReplies.accepted(requestId: requestId, eventName: event.name)]) }
        }
        switch admission {
        case .accepted:
            break
        case .queueFull:
            refuse(event, mode: mode, on: connection, code: .queueFull,
                   message: "the server's job queue is full (\(queue.capacity) pending runs); retry later", metricName: handler.metrics.event)
        case .queueBytesFull:
            refuse(event, mode: mode, on: connection, code: .queueFull, message: queue.bytesFullMessage, metricName: handler.metrics.event)
        case .laneFull:
            refuse(event, mode: mode, on: connection, code: .tooManyRequests,
                   message: "this connection has \(queue.maxPendingPerLane) events pending; wait for their results",
                   metricName: handler.metrics.event)
        case .closed:
            refuse(event, mode: mode, on: connection, code: .shuttingDown, message: "the server is shutting down",
                   metricName: handler.metrics.event)
        }
    }

    /// Runs the gateway's disconnect handler for a socket that left, after whatever the socket still has queued (its
    /// lane), with `BODY` = the reason it left for.
    func dispatchDisconnect(of connection: GatewayConnection, reason: DisconnectReason) {
        guard let gateway = gateways.gateway(at: connection.path), let script = gateway.disconnectScript else { return }
        let pool = pool, logger = logger, limits = settings.limits(timeoutMilliseconds: gateway.record.connectionTimeoutMs)
        let services = services.forRun(script, user: connection.user)
        let job = JobQueue.Job(
            gateway: connection.path, kind: .disconnect, name: "disconnect",
            start: { run in
                pool.submit(
                    script, context: connection.context(for: script, event: "disconnect", args: [.string(reason.rawValue)]),
                    socket: connection.live, services: services, limits: limits, owner: run
                ) { outcome in
                    if case .failure(let failure) = outcome {
                        logger.info("disconnect handler failed", metadata: [
                            "gateway": "\(connection.path)", "code": "\(failure.code.rawValue)", "message": "\(failure.message)",
                        ])
                    }
                    run.finished()
                }
            },
            abandon: {})
        queue.submit(job, lane: connection.socket.id, bypassingLimits: true)
    }

    /// Answers an event past the socket's budget with `RATE_LIMITED`, and disconnects a socket that kept flooding. The
    /// first refusal of a streak is logged, not every one: a flood must not become a flood of log lines.
    private func refuseOverBudget(_ event: SocketEvent, verdict: EventRateLimit.Verdict, mode: AckMode, on connection: GatewayConnection) {
        let policy = settings.eventRate
        let rate = policy.eventsPerSecond.map { $0 == $0.rounded() ? "\(Int($0))" : "\($0)" } ?? "-"
        let message: String
        var metadata: Logger.Metadata = [
            "gateway": "\(connection.path)", "socket": "\(connection.socket.id)", "code": "RATE_LIMITED",
            "max_events_per_second": "\(rate)",
        ]
        switch verdict {
        case .admit:
            preconditionFailure("an admitted event is not refused")
        case .refuse(let startsStreak):
            message = "this connection sends more than \(rate) events per second (bursts of \(policy.burst)); slow down"
            metadata["event_burst"] = "\(policy.burst)"
            if startsStreak { logger.info("socket over its event rate: refusing events", metadata: metadata) }
        case .disconnect:
            message = "this connection kept sending \(Int(EventRateLimit.Policy.floodFactor)) times its event rate; disconnected"
            metadata["flood_duration"] = "\(policy.floodDuration)"
            logger.warning("socket disconnected for flooding", metadata: metadata)
        }
        refuse(event, mode: mode, on: connection, code: .rateLimited, message: message, metricName: GatewayMetrics.rateLimited)
        if verdict == .disconnect { connection.socket.disconnect(close: true) }
    }

    private func refuse(_ event: SocketEvent, mode: AckMode, on connection: GatewayConnection, code: GatewayErrorCode, message: String,
                        metricName: String) {
        GatewayMetrics.shared.event(gateway: connection.path, event: metricName, outcome: code.rawValue)
        logger.debug("event refused", metadata: ["gateway": "\(connection.path)", "event": "\(event.name)", "code": "\(code.rawValue)"])
        if let ack = event.ack {
            ack.send([mode == .callback
                ? CallbackError.object(errorCode: code.rawValue, status: code.status, message: message, details: nil)
                : GatewayReplies.refused(eventName: event.name, code: code.rawValue, message: message)])
        } else if connection.socket.isConnected || connection.socket.awaitsRecovery {
            connection.socket.emit(GatewayReplies.errorEvent, args: [
                GatewayReplies.failure(requestId: "", eventName: event.name, code: code.rawValue, message: message, details: nil, logs: []),
            ])
        }
    }

    /// Sends the outcome the way the event's ack mode says, counts it in `metrics`, and logs it (a failure at
    /// info, with its code; a success at debug) with the run's time since `began` when it ran. `code` overrides the
    /// failure's own code.
    private func deliver(
        _ outcome: HandlerOutcome, of event: SocketEvent, requestId: String, mode: AckMode,
        on connection: GatewayConnection, metrics: GatewayMetrics.EventHandles, began: UInt64? = nil, code: String? = nil
    ) {
        let outcomeCode: String
        switch outcome {
        case .success: outcomeCode = "ok"
        case .failure(let failure): outcomeCode = code ?? failure.code.rawValue
        }
        metrics.answered(outcomeCode)
        let level: Logger.Level = outcomeCode == "ok" ? .debug : .info
        if logger.logLevel <= level {
            var fields: Logger.Metadata = [
                "requestId": "\(requestId)", "gateway": "\(connection.path)", "event": "\(event.name)",
                "socket": "\(connection.socket.id)", "outcome": "\(outcomeCode)",
            ]
            if let userId = HandlerUser.id(of: connection.user) { fields["user"] = "\(userId)" }
            if let began { fields["durationMs"] = "\(Double((GatewayMetrics.now &- began) / 1_000) / 1_000)" }
            if case .failure(let failure) = outcome { fields["message"] = "\(failure.message)" }
            logger.log(level: level, outcomeCode == "ok" ? "handler succeeded" : "handler failed", metadata: fields)
        }
        switch (mode, outcome) {
        case (.result, .success(let values, _)) where event.ack != nil:
            event.ack?.send(values)
        case (.result, .failure(let failure)) where event.ack != nil:
            event.ack?.send([GatewayReplies.resultModeFailure(code: code ?? failure.code.rawValue, message: failure.message, details: failure.details)])
        case (.callback, .success(let values, _)) where event.ack != nil:
            event.ack?.send([.null] + values)
        case (.callback, .failure(let failure)) where event.ack != nil:
            event.ack?.send([CallbackError.object(
                errorCode: code ?? failure.code.rawValue, status: CallbackError.status(of: failure),
                message: failure.message, details: failure.details)])
        case (.result, .success), (.callback, .success):
            break
        case (.queued, .success(let values, let logs)):
            emit(GatewayReplies.resultEvent, GatewayReplies.success(requestId: requestId, eventName: event.name, values: values, logs: logs), to: connection)
        case (_, .failure(let failure)):
            emit(GatewayReplies.errorEvent, GatewayReplies.failure(
                requestId: requestId, eventName: event.name, code: code ?? failure.code.rawValue,
                message: failure.message, details: failure.details, logs: failure.logs), to: connection)
        }
    }

    /// To a socket that left and awaits its recovery too: the emit is recorded and replayed when it comes back. A
    /// signed-in user's outcome is also kept for `ws:results`, whether the socket is there or not.
    private func emit(_ name: String, _ payload: JSONValue, to connection: GatewayConnection) {
        if case .string(let requestId)? = payload["requestId"], !requestId.isEmpty, let userId = HandlerUser.id(of: connection.user) {
            ledger.record(payload, requestId: requestId, userId: userId, path: connection.path)
        }
        guard connection.socket.isConnected || connection.socket.awaitsRecovery else { return }
        connection.socket.emit(name, args: [payload])
    }

    /// `ws:results {requestIds: [...]}`, with an ack: the `ws:result` / `ws:error` payloads still held for the
    /// signed-in user among those ids, `{results: [...], missing: [...]}`. Anonymous sockets get `UNAUTHORIZED`, a
    /// malformed request `BAD_REQUEST` naming the field, in the ack (or as `ws:error` without one).
    private func answerResultsRequest(_ event: SocketEvent, on connection: GatewayConnection) {
        let refuse = { (code: HandlerErrorCode, message: String) in
            if let ack = event.ack {
                ack.send([GatewayReplies.refused(eventName: event.name, code: code.rawValue, message: message)])
            } else {
                self.emit(GatewayReplies.errorEvent, GatewayReplies.failure(
                    requestId: "", eventName: event.name, code: code.rawValue, message: message, details: nil, logs: []), to: connection)
            }
        }
        guard let userId = HandlerUser.id(of: connection.user) else {
            return refuse(.unauthorized, "ws:results answers signed-in users only")
        }
        guard case .array(let ids)? = event.args.first?["requestIds"] else {
            return refuse(.badRequest, "requestIds must be an array of request ids")
        }
        guard ids.count <= ResultLedger.maxRequested else {
            return refuse(.badRequest, "requestIds may hold at most \(ResultLedger.maxRequested) ids")
        }
        var requestIds: [String] = []
        for (index, id) in ids.enumerated() {
            guard case .string(let text) = id else { return refuse(.badRequest, "requestIds[\(index)] must be a string") }
            requestIds.append(text)
        }
        guard let ack = event.ack else {
            return refuse(.badRequest, "ws:results answers in its ack: emit it with an ack callback")
        }
        let (found, missing) = ledger.results(for: requestIds, userId: userId, path: connection.path)
        ack.send([["results": .array(found), "missing": .array(missing.map(JSONValue.string))]])
    }
}
