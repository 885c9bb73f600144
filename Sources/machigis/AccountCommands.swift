import ArgumentParser
import MachiCore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Staff accounts.", subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account; prints its one-time password on stdout (messages go to stderr).")

        @Argument(help: "Account name (a-z 0-9 . _ -).") var name: String
        @Option(help: "road_traffic, election, sewer_admin or admin.") var role: String
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let password = try Accounts(store: try store.open()).addUser(name: name, role: Role(rawValue: role)!)
            log("created \(name) (\(role)); the password below is shown only once")
            print(password)
        }
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "API tokens.", subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API token for a user; prints it once on stdout. Use it as Authorization: Bearer TOKEN.")

        @Argument(help: "Account name.") var name: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let token = try Accounts(store: try store.open()).createToken(name: name)
            log("token for \(name); it is shown only once")
            print(token)
        }
    }
}
