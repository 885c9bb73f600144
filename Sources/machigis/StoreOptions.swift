import ArgumentParser
import MachiCore

/// Options every subcommand that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(help: "SpatiaLite database file; created when missing.")
    var db = "data/machigis.sqlite"

    @Option(help: "Folder with city.yaml and the layer files.")
    var layers = "layers"

    func open() throws -> Store {
        let catalog = try LayerCatalog.load(directory: layers)
        return try Store(path: db, catalog: catalog)
    }
}

/// Messages go to stderr so stdout carries only what scripts capture.
func log(_ message: String) {
    var err = StandardError()
    print(message, to: &err)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStderr.write(string)
    }
}
