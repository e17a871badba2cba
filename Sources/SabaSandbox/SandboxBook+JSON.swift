import Foundation
import SabaReconCore

extension SandboxBook {
    /// Renders one ticket the way GetBetDetails does: every documented field, nulls for
    /// the nullable ones, escaped team names, exact decimals.
    public static func json(_ e: Entry, operatorId: String = "sandbox-op", into out: inout String) {
        let t = e.ticket
        func s(_ text: String) -> String { jsonString(text) }
        func d(_ v: Money?) -> String { v.map(\.compact) ?? "null" }
        func d(_ v: Decimal?) -> String { v.map { Money(exactly: $0)?.compact ?? "null" } ?? "null" }
        func i<T: BinaryInteger>(_ v: T?) -> String { v.map { String($0) } ?? "null" }
        func time(_ v: Date?) -> String { v.map { "\"\(UTCTime.formatLocal($0))\"" } ?? "null" }
        let kickOff = t.transTime.addingTimeInterval(5400)
        out += "{\"transId\":\(t.transId),\"memberId\":\(s(t.memberId)),\"operatorId\":\(s(operatorId)),"
        out += "\"leagueId\":\(i(e.leagueId)),\"leagueName\":\(s(e.league)),\"leagueIconUrl\":\"https://img.sandbox.invalid/LeagueImg/\(e.leagueId ?? 0).png\","
        out += "\"eventId\":\(i(t.eventId)),\"parentId\":\(i(t.eventId)),\"homeTeamId\":\(100 + e.index % 97),\"homeTeamName\":\(s(e.homeTeam)),"
        out += "\"homeIconUrl\":\"https://img.sandbox.invalid/TeamImg/h.png\",\"awayTeamId\":\(200 + e.index % 89),\"awayTeamName\":\(s(e.awayTeam)),"
        out += "\"awayIconUrl\":\"https://img.sandbox.invalid/TeamImg/a.png\",\"kickOffTime\":\(time(kickOff)),\"globalShowTime\":\(time(kickOff)),"
        out += "\"sportType\":\(e.sportType),\"sportName\":\(s(e.sportType == 1 ? "Soccer" : e.sportType == 2 ? "Basketball" : "E-Sports")),"
        out += "\"betType\":\(i(t.betType)),\"betTypeName\":\(s(t.parlayLegs > 0 ? "Mix Parlay" : "Handicap")),\"parlayTicketNo\":\(t.parlayTicketNo ?? "0"),"
        out += "\"price\":\(d(t.price)),\"stake\":\(d(t.stake)),\"transTime\":\(time(t.transTime)),\"status\":\(s(t.status.description)),"
        out += "\"settlementPrice\":\(d(t.settlementPrice)),\"currency\":\(t.currency),\"oddsType\":\(i(t.oddsType)),\"oddsTypeName\":\"Decimal Odds\","
        out += "\"oddsInfo\":\"\",\"key\":\"h\",\"keyName\":\(s(e.homeTeam)),\"excluding\":null,\"isLucky\":false,"
        out += "\"parlayType\":\(t.parlayLegs > 0 ? "\"MixParlay\"" : "null"),\"comboType\":\(t.parlayLegs > 0 ? "\"\(t.parlayLegs)-Fold\"" : "null"),"
        out += "\"homePoint\":0.25,\"awayPoint\":-0.25,\"point\":\(d(e.point)),\"eSportGameId\":0,"
        out += "\"homeScore\":\(i(e.homeScore)),\"awayScore\":\(i(e.awayScore)),"
        out += "\"cashoutEnabled\":\(t.cashoutEnabled),\"alreadyCashout\":\(t.alreadyCashout),\"cashoutPrice\":\(d(t.cashoutPrice)),"
        out += "\"parlayInfo\":["
        for (k, leg) in e.legs.enumerated() {
            if k > 0 { out += "," }
            out += "{\"parlayId\":\(leg.parlayId),\"leagueId\":\(i(e.leagueId)),\"leagueName\":\(s(e.league)),\"leagueIconUrl\":\"\","
            out += "\"eventId\":\(leg.eventId),\"homeTeamId\":1,\"homeTeamName\":\(s(leg.homeTeam)),\"homeIconUrl\":\"\",\"awayTeamId\":2,"
            out += "\"awayTeamName\":\(s(leg.awayTeam)),\"awayIconUrl\":\"\",\"kickOffTime\":\(time(kickOff)),\"globalShowTime\":\(time(kickOff)),"
            out += "\"price\":\(d(leg.price)),\"betType\":1,\"betTypeName\":\"Handicap\",\"key\":\"a\",\"keyName\":\(s(leg.awayTeam)),"
            out += "\"sportType\":1,\"sportName\":\"Soccer\",\"homePoint\":0,\"awayPoint\":0,\"point\":null,\"status\":\(s(leg.status)),"
            out += "\"homeScore\":null,\"awayScore\":null,\"resourceId\":\"\"}"
        }
        out += "],\"resettles\":["
        for (k, r) in t.resettles.enumerated() {
            if k > 0 { out += "," }
            out += "{\"resettleDate\":\(time(r.resettleDate)),\"balanceChange\":\(r.balanceChange),\"status\":\(s(r.status.description)),\"reSettlePrice\":\(d(r.reSettlePrice))}"
        }
        out += "],\"resourceId\":\"\",\"settlementTime\":\(time(t.settlementTime)),\"maxPayOut\":\(d(t.maxPayOut))}"
    }

    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case "\n": out += "\\n"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else if u.value > 0x7E && u.value % 3 == 0 {
                    // Some non-ASCII as \u escapes, as some JSON writers do, to exercise the decoder.
                    if u.value > 0xFFFF {
                        let v = u.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: "\\u%04x", u.value)
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
