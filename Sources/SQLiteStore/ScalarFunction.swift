import CSQLite

/// The closure behind a SQL function; SQLite holds it (retained) until the function is dropped.
private final class ScalarFunction {
    let body: (Double, Double) -> Double
    init(_ body: @escaping (Double, Double) -> Double) { self.body = body }
}

extension Connection {
    /// Defines `name(a, b)` on this connection: a deterministic function of two numbers written
    /// in Swift, so that a statement can compute a value from a column (a trending score from the
    /// row's old one) instead of reading the row first. NULL in, NULL out.
    public func defineFunction(_ name: String, _ body: @escaping (Double, Double) -> Double) throws {
        let box = Unmanaged.passRetained(ScalarFunction(body)).toOpaque()
        let rc = sqlite3_create_function_v2(handle, name, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, box, { context, count, values in
            guard let context, count == 2, let values, let a = values[0], let b = values[1] else { return }
            if sqlite3_value_type(a) == SQLITE_NULL || sqlite3_value_type(b) == SQLITE_NULL {
                sqlite3_result_null(context)
                return
            }
            let function = Unmanaged<ScalarFunction>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
            sqlite3_result_double(context, function.body(sqlite3_value_double(a), sqlite3_value_double(b)))
        }, nil, nil, { box in
            if let box { Unmanaged<ScalarFunction>.fromOpaque(box).release() }
        })
        // On failure SQLite has already called the destructor with the box.
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: name) }
    }
}
