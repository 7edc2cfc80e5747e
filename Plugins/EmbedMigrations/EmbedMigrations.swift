import Foundation
import PackagePlugin

/// Embeds the package's migrations into the target that uses this plugin, so the binary never has to find the SQL
/// files on disk at run time (it works from any working directory, installed or not): `migrations/*.sql` for SQLite
/// and `migrations/postgres/*.sql` for PostgreSQL, each dialect its own numbered set.
///
/// The migrations live at the package root because they are a project artefact that people read and review;
/// the generated `EmbeddedMigrations.swift` is rebuilt whenever a file in those folders, or a folder itself, changes.
@main
struct EmbedMigrations: BuildToolPlugin {
    /// Each set's name in the generated code (`EmbeddedMigrations.sqlite`, …) and its folder under the package root.
    static let sets = [(name: "sqlite", folder: "migrations"), (name: "postgres", folder: "migrations/postgres")]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        var arguments: [String] = []
        var inputs: [URL] = []
        for set in Self.sets {
            let folder = context.package.directoryURL.appending(path: set.folder).resolvingSymlinksInPath()
            let sqlFiles = try FileManager.default
                .contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            guard !sqlFiles.isEmpty else {
                throw NoMigrations(folder: folder.path())
            }
            arguments += ["--\(set.name)"] + sqlFiles.map { $0.path() }
            inputs += [folder] + sqlFiles
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding SQL migrations into \(target.name)",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: [output.path()] + arguments,
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}

struct NoMigrations: Error, CustomStringConvertible {
    let folder: String
    var description: String { "no *.sql migrations in \(folder)" }
}
