import Foundation
import Testing
@testable import AdminHTTP

@Suite struct RequestBodyTests {
    /// Found by `scripts/fuzz.sh admin`: a number that is only a minus sign reached Foundation's decoder mid-way through
    /// `AnyJSON`'s guesses and came back as a 422 for the field "" ("must be of type Dictionary<String, Any>").
    @Test func malformedJSONIsInvalidJSONWhereverItBreaks() {
        for body in [#"{"":-}"#, #"{"a":[1,}"#, #"{"path":"/x""#, "[", #"{"a":01}"#] {
            let refusal = #expect(throws: AdminError.self, "\(body)") {
                try RequestBody.decode(AnyJSON.self, from: Data(body.utf8))
            }
            #expect(refusal?.code == "INVALID_JSON", "\(body): \(String(describing: refusal))")
            #expect(refusal?.message.hasPrefix("the request body is not valid JSON:") == true, "\(body): \(String(describing: refusal))")
        }
    }

    /// Found by `scripts/fuzz.sh admin` next: invalid UTF-8 in a string, which the payload parser repairs and
    /// Foundation's decoder refuses, came back as a 422 for the field "" (`AnyJSON` tries each type in turn).
    @Test func invalidUTF8IsRepairedAsInEveryPayload() throws {
        let body = Data(#"{"a":[1,""#.utf8) + Data([0x82]) + Data(#""],"":9,"":10}"#.utf8)
        let item = try RequestBody.decode(AnyJSON.self, from: body).value
        #expect(item == .object(["a": .array([.int(1), .string("\u{FFFD}")]), "": .int(10)]))
    }

    @Test func aWrongTypeStillNamesItsField() throws {
        #expect(throws: AdminError.validation(field: "path", "must be a string")) {
            try RequestBody.decode(CreateGatewayRequest.self, from: Data(#"{"path": 5}"#.utf8))
        }
    }
}
