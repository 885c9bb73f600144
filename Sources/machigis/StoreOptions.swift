import ArgumentParser
import MachiCore
import MachiFormats

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

/// The value of an `--encoding` option: nil for auto (UTF-8 if it decodes, else CP932).
func textEncoding(_ name: String) throws -> TextEncoding? {
    switch name.lowercased() {
    case "auto": return nil
    case "utf-8", "utf8": return .utf8
    case "cp932", "shift_jis", "sjis": return .cp932
    default: throw ValidationError("--encoding must be auto, utf-8 or cp932")
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
