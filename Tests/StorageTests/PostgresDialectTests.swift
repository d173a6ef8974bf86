import Storage
import XCTest

/// The stores' SQL as PostgreSQL reads it.
final class PostgresDialectTests: XCTestCase {
    func testParametersAreNumberedInOrderAndNumberedOnesKeepTheirNumber() {
        XCTAssertEqual(PostgresDialect.translate("SELECT a FROM t WHERE b = ? AND c = ? LIMIT ?"),
                       "SELECT a FROM t WHERE b = $1 AND c = $2 LIMIT $3")
        XCTAssertEqual(PostgresDialect.translate("DELETE FROM x WHERE a = ?1 AND b = ?2 AND c IN (SELECT 1 WHERE d = ?1) AND e = ?12"),
                       "DELETE FROM x WHERE a = $1 AND b = $2 AND c IN (SELECT 1 WHERE d = $1) AND e = $12")
    }

    func testQuestionMarksInsideLiteralsAndQuotedNamesStay() {
        XCTAssertEqual(PostgresDialect.translate("SELECT 'why?', \"odd?name\", 'it''s ?' FROM t WHERE a = ?"),
                       "SELECT 'why?', \"odd?name\", 'it''s ?' FROM t WHERE a = $1")
    }

    func testNullSafeComparisonsBecomeDistinctFrom() {
        XCTAssertEqual(PostgresDialect.translate("SELECT 1 FROM ideas WHERE id = ? AND round_id IS ?"),
                       "SELECT 1 FROM ideas WHERE id = $1 AND round_id IS NOT DISTINCT FROM $2")
        XCTAssertEqual(PostgresDialect.translate("WHERE v.round_id IS i.round_id AND x IS NOT (SELECT 1)"),
                       "WHERE v.round_id IS NOT DISTINCT FROM i.round_id AND x IS DISTINCT FROM (SELECT 1)")
        XCTAssertEqual(PostgresDialect.translate("WHERE a IS NULL AND b IS NOT NULL AND c is not ?"),
                       "WHERE a IS NULL AND b IS NOT NULL AND c IS DISTINCT FROM $1")
        // Words that merely contain "is" are left alone.
        XCTAssertEqual(PostgresDialect.translate("SELECT this, exists_x FROM list WHERE isbn = ?"),
                       "SELECT this, exists_x FROM list WHERE isbn = $1")
    }

    func testGroupConcatBecomesStringAgg() {
        XCTAssertEqual(PostgresDialect.translate("SELECT group_concat(DISTINCT v.user_id), group_concat(CASE WHEN a < ? THEN u.id END) FROM v"),
                       "SELECT string_agg(DISTINCT CAST(v.user_id AS TEXT), ','), string_agg(CAST(CASE WHEN a < $1 THEN u.id END AS TEXT), ',') FROM v")
        XCTAssertEqual(PostgresDialect.translate("SELECT my_group_concat(x) FROM t"), "SELECT my_group_concat(x) FROM t")
    }
}
