import Foundation
import Persistence

/// Every JSON body an admin route takes, decoded and checked as its route does before anything is stored or run: the
/// one entry `scripts/fuzz.sh admin` attacks. A body must be accepted, or refused with an ``AdminError`` or a
/// ``ConfigStoreError`` (a 4xx that says which field); anything else thrown would reach the client as a 500.
package enum AdminRequestKind: CaseIterable, Sendable {
    case createGateway, updateGateway, createEvent, updateEvent, testRun, emit, collectionItem

    package func check(_ body: Data) throws {
        switch self {
        case .createGateway: try RequestBody.decode(CreateGatewayRequest.self, from: body).draft.validate()
        case .updateGateway: try RequestBody.decode(UpdateGatewayRequest.self, from: body).patch.validate()
        case .createEvent: try RequestBody.decode(CreateEventRequest.self, from: body).draft(defaultAck: .queued).validate()
        case .updateEvent: try RequestBody.decode(UpdateEventRequest.self, from: body).patch.validate()
        case .testRun: _ = try TestRunner.checked(RequestBody.decode(TestRunRequest.self, from: body))
        case .emit: _ = try RequestBody.decode(EmitRequest.self, from: body)
        case .collectionItem: _ = try RequestBody.decode(AnyJSON.self, from: body)
        }
    }
}
