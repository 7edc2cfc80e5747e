import AdminHTTP
import Foundation
import Persistence

extension FuzzTarget {
    /// An admin request body: the first byte picks the route's body (``AdminRequestKind``, in its order), the rest is
    /// the body. It is accepted, or refused with an admin error or a store's validation error; a refusal for a field
    /// (`VALIDATION_ERROR`) names it. Anything else thrown would be a 500 for a client's typo.
    static func adminBody(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let kinds = AdminRequestKind.allCases
        let kind = kinds[Int(selector) % kinds.count]
        do {
            try kind.check(Data(input.dropFirst()))
        } catch let error as AdminError {
            precondition(error.code != "VALIDATION_ERROR" || !(error.field ?? "").isEmpty, "\(kind): \(error.message) names no field")
            precondition((400..<500).contains(error.status.code), "\(kind): \(error.status.code) \(error.code) for a body")
        } catch let error as ConfigStoreError {
            guard case .invalid(let field, _) = error, !field.isEmpty else {
                preconditionFailure("\(kind): \(error) is not a refusal naming a field")
            }
        } catch {
            preconditionFailure("\(kind) threw \(type(of: error)), which would be a 500: \(error)")
        }
    }
}
