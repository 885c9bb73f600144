import ArgumentParser

@main
struct MachiGIS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machigis",
        abstract: "MachiGIS: integrated GIS data service (統合型GIS) on one SpatiaLite store.",
        subcommands: [
            Serve.self, Ingest.self, InitStore.self, UserCommand.self, TokenCommand.self, ParkingCommand.self, ElectionsCommand.self,
            Tiles.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self, CheckCommand.self,
        ])
}
