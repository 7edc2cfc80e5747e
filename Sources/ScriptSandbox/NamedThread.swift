import CLuaShim
import Foundation

/// Starts a dedicated thread under `name` as the kernel knows it too (`top -H`, `/proc/<pid>/task/*/comm`, 15
/// characters at most): Foundation's `Thread.name` does not reach the kernel on Linux, where such a thread showed the
/// name of whichever thread started it (a libdispatch pool thread's).
func startNamedThread(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        clua_name_current_thread(name)
        body()
    }
    thread.name = name
    if let stackSize { thread.stackSize = stackSize }
    thread.start()
}
