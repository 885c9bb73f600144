/// Male, female and total of one count. Interim (時刻別) rows may leave counts blank (nil).
public struct SexCounts: Sendable, Hashable {
    public var male: Int64?
    public var female: Int64?
    public var total: Int64?

    public init(male: Int64?, female: Int64?, total: Int64?) {
        self.male = male
        self.female = female
        self.total = total
    }

    static let zero = SexCounts(male: 0, female: 0, total: 0)

    static func + (a: SexCounts, b: SexCounts) -> SexCounts {
        SexCounts(male: (a.male ?? 0) + (b.male ?? 0), female: (a.female ?? 0) + (b.female ?? 0), total: (a.total ?? 0) + (b.total ?? 0))
    }
}

/// One district's row of a turnout table (投票区別投票者数): electors (有権者数), voters on the
/// day (当日), early voters (期日前) and absentee voters (不在者), each by sex.
public struct TurnoutCounts: Sendable, Hashable {
    public var electors: SexCounts
    public var day: SexCounts
    public var early: SexCounts
    public var absentee: SexCounts

    public init(electors: SexCounts, day: SexCounts, early: SexCounts, absentee: SexCounts) {
        self.electors = electors
        self.day = day
        self.early = early
        self.absentee = absentee
    }

    static let zero = TurnoutCounts(electors: .zero, day: .zero, early: .zero, absentee: .zero)

    /// 投票者数: 当日 + 期日前 + 不在者; blank interim counts count as none yet.
    public var voters: SexCounts { day + early + absentee }

    public var turnout: Percent? { Percent.of(voters.total ?? 0, electors.total ?? 0) }
    public var turnoutMale: Percent? { Percent.of(voters.male ?? 0, electors.male ?? 0) }
    public var turnoutFemale: Percent? { Percent.of(voters.female ?? 0, electors.female ?? 0) }
    /// Share of the votes cast before the day: 100 × (期日前 + 不在者) / voters.
    public var earlyShare: Percent? { Percent.of((early.total ?? 0) + (absentee.total ?? 0), voters.total ?? 0) }

    static func + (a: TurnoutCounts, b: TurnoutCounts) -> TurnoutCounts {
        TurnoutCounts(electors: a.electors + b.electors, day: a.day + b.day, early: a.early + b.early, absentee: a.absentee + b.absentee)
    }
}
