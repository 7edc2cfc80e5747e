import Foundation
import PackagePlugin

/// Embeds the package's `migrations/*.sql` into the target that uses this plugin, so the binary never has to
/// find the SQL files on disk at run time (it works from any working directory, installed or not).
///
/// The migrations live at the package root because they are a project artefact that people read and review;
/// the generated `EmbeddedMigrations.swift` is rebuilt whenever a file in that folder, or the folder itself, changes.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "migrations").resolvingSymlinksInPath()
        let sqlFiles = try FileManager.default
            .contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !sqlFiles.isEmpty else {
            throw NoMigrations(folder: folder.path())
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sqlFiles.count) SQL migration(s) into \(target.name)",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: [output.path()] + sqlFiles.map { $0.path() },
                inputFiles: [folder] + sqlFiles,
                outputFiles: [output]
            ),
        ]
    }
}

struct NoMigrations: Error, CustomStringConvertible {
    let folder: String
    var description: String { "no *.sql migrations in \(folder)" }
}
