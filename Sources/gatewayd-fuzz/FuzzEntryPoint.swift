import Foundation

#if FUZZING
/// libFuzzer's entry (built by `scripts/fuzz.sh` with `-sanitize=fuzzer,address -DFUZZING`): the target named by
/// `GATEWAYD_FUZZ_TARGET`, once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver, which its own `main` would run: SwiftPM links an executable's `main` to the module's entry
/// (`gatewayd_fuzz_main`, below), so that one hands over to it.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("gatewayd_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv, fuzzOneInput)
}

extension FuzzTarget {
    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["GATEWAYD_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("GATEWAYD_FUZZ_TARGET must be one of \(allCases.map(\.rawValue)), not '\(name)'")
        }
        return target
    }()
}
#else
/// Without libFuzzer: replays files through a target, `gatewayd-fuzz TARGET FILE_OR_FOLDER…` — the seed corpora
/// and every input a fuzzing run found, as a regression test (`Tests/e2e/test_fuzz_corpus.py`).
@main
enum ReplayCorpus {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: gatewayd-fuzz {\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))} FILE_OR_FOLDER…\n".utf8))
            exit(2)
        }
        var replayed = 0
        for path in arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such file or folder: \(path)\n".utf8))
                exit(2)
            }
            let files = isFolder.boolValue ? try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil) : [url]
            for file in files.sorted(by: { $0.path < $1.path }) {
                try Data(contentsOf: file).withUnsafeBytes { target.run($0) }
                replayed += 1
            }
        }
        print("replayed \(replayed) inputs through \(target.rawValue)")
    }
}
#endif
