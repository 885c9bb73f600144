import ArgumentParser
import MachiCore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Staff accounts.", subcommands: [Add.self, Disable.self, Enable.self])

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
            let password = try store.accounts().addUser(name: name, role: Role(rawValue: role)!)
            log("created \(name) (\(role)); the password below is shown only once")
            print(password)
        }
    }

    struct Disable: AccountSwitch {
        static let configuration = CommandConfiguration(
            abstract: "Lock an account: no login, and its sessions and tokens stop working at once.")
        static let disables = true
        @OptionGroup var account: AccountName
    }

    struct Enable: AccountSwitch {
        static let configuration = CommandConfiguration(
            abstract: "Unlock a disabled account: its password and unrevoked tokens work again.")
        static let disables = false
        @OptionGroup var account: AccountName
    }
}

/// The account a command acts on and the store that holds it.
struct AccountName: ParsableArguments {
    @Argument(help: "Account name.") var name: String
    @OptionGroup var store: StoreOptions
}

/// `user disable` and `user enable`: one switch, two words for it.
protocol AccountSwitch: ParsableCommand {
    static var disables: Bool { get }
    var account: AccountName { get }
}

extension AccountSwitch {
    func run() throws {
        let name = account.name
        let changed = try account.store.accounts().setDisabled(name: name, Self.disables)
        switch (Self.disables, changed) {
        case (true, true): log("disabled \(name); sessions ended, tokens refused until enabled")
        case (true, false): log("\(name) was already disabled")
        case (false, true): log("enabled \(name)")
        case (false, false): log("\(name) was not disabled")
        }
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "API tokens.", subcommands: [Create.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API token for a user; prints it once on stdout. Use it as Authorization: Bearer TOKEN.")

        @OptionGroup var account: AccountName

        func run() throws {
            let token = try account.store.accounts().createToken(name: account.name)
            log("token for \(account.name); it is shown only once")
            print(token)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke all API tokens of a user (they stop working at once); prints how many on stderr.")

        @OptionGroup var account: AccountName

        func run() throws {
            let n = try account.store.accounts().revokeTokens(name: account.name)
            log("revoked \(n) token\(n == 1 ? "" : "s") of \(account.name)")
        }
    }
}
