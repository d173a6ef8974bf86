#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
// Debian's libsqlite3 is built with the preupdate hook (`PRAGMA compile_options`); the header
// declares its functions only when told so.
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call: one wrapper per setting we use.
// Must run before the first connection opens. Turning off memory statistics removes a
// global mutex from every SQLite allocation.
static inline int csqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

// FTS5 custom tokenizers. FTS5 wants a table of C function pointers; these forward to one
// Swift function, handed the `context` the tokenizer was registered with.
typedef int (*csqlite_token_fn)(void *pCtx, int tflags, const char *pToken, int nToken, int iStart, int iEnd);
typedef int (*csqlite_tokenize_fn)(void *context, void *pCtx, int flags, const char *pText, int nText,
                                   csqlite_token_fn xToken);

typedef struct csqlite_tokenizer {
    void *context;
    csqlite_tokenize_fn tokenize;
} csqlite_tokenizer;

static int csqlite_tokenizer_create(void *registered, const char **azArg, int nArg, Fts5Tokenizer **ppOut) {
    (void)azArg; (void)nArg;
    *ppOut = (Fts5Tokenizer *)registered;
    return SQLITE_OK;
}

static void csqlite_tokenizer_delete(Fts5Tokenizer *tokenizer) { (void)tokenizer; }

static int csqlite_tokenizer_tokenize(Fts5Tokenizer *tokenizer, void *pCtx, int flags, const char *pText, int nText,
                                      int (*xToken)(void *, int, const char *, int, int, int)) {
    csqlite_tokenizer *t = (csqlite_tokenizer *)tokenizer;
    return t->tokenize(t->context, pCtx, flags, pText, nText, xToken);
}

// FTS5's extension API on `db` (how custom tokenizers and functions are registered).
static inline int csqlite_fts5_api(sqlite3 *db, fts5_api **out) {
    fts5_api *api = 0;
    sqlite3_stmt *stmt = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
    sqlite3_step(stmt);
    rc = sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) return rc;
    if (api == 0 || api->iVersion < 2) return SQLITE_ERROR;
    *out = api;
    return SQLITE_OK;
}

// Registers `tokenizer` (which must outlive the connection) under `name` on `db`.
static inline int csqlite_register_tokenizer(sqlite3 *db, const char *name, csqlite_tokenizer *tokenizer) {
    fts5_api *api = 0;
    int rc = csqlite_fts5_api(db, &api);
    if (rc != SQLITE_OK) return rc;
    static fts5_tokenizer methods = {
        csqlite_tokenizer_create, csqlite_tokenizer_delete, csqlite_tokenizer_tokenize
    };
    return api->xCreateTokenizer(api, name, tokenizer, &methods, 0);
}

// Document lengths for ranking (`csqlite_bm25`): each FTS5 row's total token count, kept in
// memory so that ranking a term with 100,000 matches does not look up 100,000 `_docsize`
// rows (one statement execution each: most of a cold ranking's time). Rowids index chunks
// of 65,536 counts, allocated on first use and kept until the table is freed; 0 means "not
// known" and makes the ranking ask FTS5 instead. Readers and the one thread that writes
// counts share it with relaxed atomics; whether a reader may use it at all is decided by
// `changed_at`: the writer's commit count after which counts may differ from a reader's
// snapshot (see FullTextDocLengths in SQLiteStore).
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define CSQLITE_DOCLEN_CHUNK_BITS 16
#define CSQLITE_DOCLEN_CHUNKS 32768

typedef struct csqlite_doclengths {
    _Atomic(_Atomic(uint32_t) *) chunks[CSQLITE_DOCLEN_CHUNKS];
    _Atomic(uint64_t) changed_at;
    _Atomic(int) ready;
} csqlite_doclengths;

static inline void *csqlite_doclengths_create(void) {
    return calloc(1, sizeof(csqlite_doclengths));
}

static inline void csqlite_doclengths_free(void *table) {
    csqlite_doclengths *t = (csqlite_doclengths *)table;
    for (int i = 0; i < CSQLITE_DOCLEN_CHUNKS; i++) free((void *)atomic_load(&t->chunks[i]));
    free(t);
}

// 0 when unknown (no chunk yet, a rowid out of range, or a row with no tokens).
static inline uint32_t csqlite_doclengths_get(const void *table, sqlite3_int64 rowid) {
    csqlite_doclengths *t = (csqlite_doclengths *)table;
    if (rowid < 0 || (rowid >> CSQLITE_DOCLEN_CHUNK_BITS) >= CSQLITE_DOCLEN_CHUNKS) return 0;
    _Atomic(uint32_t) *chunk = atomic_load_explicit(&t->chunks[rowid >> CSQLITE_DOCLEN_CHUNK_BITS], memory_order_acquire);
    if (chunk == 0) return 0;
    return atomic_load_explicit(&chunk[rowid & ((1 << CSQLITE_DOCLEN_CHUNK_BITS) - 1)], memory_order_relaxed);
}

// False when the rowid is out of range or memory ran out (the count stays unknown).
static inline int csqlite_doclengths_set(void *table, sqlite3_int64 rowid, uint32_t length) {
    csqlite_doclengths *t = (csqlite_doclengths *)table;
    if (rowid < 0 || (rowid >> CSQLITE_DOCLEN_CHUNK_BITS) >= CSQLITE_DOCLEN_CHUNKS) return 0;
    _Atomic(_Atomic(uint32_t) *) *slot = &t->chunks[rowid >> CSQLITE_DOCLEN_CHUNK_BITS];
    _Atomic(uint32_t) *chunk = atomic_load_explicit(slot, memory_order_acquire);
    if (chunk == 0) {
        if (length == 0) return 1;
        _Atomic(uint32_t) *fresh = calloc((size_t)1 << CSQLITE_DOCLEN_CHUNK_BITS, sizeof(uint32_t));
        if (fresh == 0) return 0;
        _Atomic(uint32_t) *expected = 0;
        if (atomic_compare_exchange_strong_explicit(slot, &expected, fresh, memory_order_acq_rel, memory_order_acquire)) {
            chunk = fresh;
        } else {
            free((void *)fresh);
            chunk = expected;
        }
    }
    atomic_store_explicit(&chunk[rowid & ((1 << CSQLITE_DOCLEN_CHUNK_BITS) - 1)], length, memory_order_relaxed);
    return 1;
}

// Raises `changed_at` to `at` (never lowers it).
static inline void csqlite_doclengths_stamp(void *table, uint64_t at) {
    csqlite_doclengths *t = (csqlite_doclengths *)table;
    uint64_t seen = atomic_load(&t->changed_at);
    while (seen < at && !atomic_compare_exchange_weak(&t->changed_at, &seen, at)) {}
}

static inline uint64_t csqlite_doclengths_changed_at(const void *table) {
    return atomic_load(&((csqlite_doclengths *)table)->changed_at);
}

static inline void csqlite_doclengths_set_ready(void *table, int ready) {
    atomic_store(&((csqlite_doclengths *)table)->ready, ready);
}

static inline int csqlite_doclengths_ready(const void *table) {
    return atomic_load(&((csqlite_doclengths *)table)->ready);
}

// The sum of an FTS5 `_docsize.sz` blob: one SQLite varint per column.
static inline uint32_t csqlite_docsize_total(const unsigned char *blob, int count) {
    uint64_t total = 0;
    int i = 0;
    while (i < count) {
        uint64_t value = 0;
        int n = 0;
        for (;;) {
            if (i >= count) return (uint32_t)(total > UINT32_MAX ? UINT32_MAX : total);
            unsigned char byte = blob[i++];
            if (n == 8) { value = (value << 8) | byte; break; }
            value = (value << 7) | (byte & 0x7f);
            n++;
            if ((byte & 0x80) == 0) break;
        }
        total += value;
    }
    return (uint32_t)(total > UINT32_MAX ? UINT32_MAX : total);
}

// `name(fts_table, valid_at, weight0, weight1, ...)`: exactly FTS5's built-in bm25() — the
// same IDF, average length and arithmetic, so rankings do not change — except that a row's
// total token count comes from the in-memory table when the caller's `valid_at` (the commit
// count it read before its snapshot began; negative: never) is at or after the table's
// `changed_at`. Smaller is better, as with bm25().
typedef struct csqlite_bm25_query {
    int phrases;
    int use_table;
    double average_length;
    double *idf;
    double *frequency;
} csqlite_bm25_query;

static int csqlite_bm25_count(const Fts5ExtensionApi *api, Fts5Context *fts, void *context) {
    (void)api; (void)fts;
    (*(sqlite3_int64 *)context)++;
    return SQLITE_OK;
}

static int csqlite_bm25_prepare(const Fts5ExtensionApi *api, Fts5Context *fts, const void *table,
                                sqlite3_int64 valid_at, csqlite_bm25_query **out) {
    csqlite_bm25_query *q = (csqlite_bm25_query *)api->xGetAuxdata(fts, 0);
    if (q) { *out = q; return SQLITE_OK; }
    int phrases = api->xPhraseCount(fts);
    q = (csqlite_bm25_query *)sqlite3_malloc64(sizeof(csqlite_bm25_query) + sizeof(double) * 2 * (size_t)phrases);
    if (q == 0) return SQLITE_NOMEM;
    memset(q, 0, sizeof(csqlite_bm25_query) + sizeof(double) * 2 * (size_t)phrases);
    q->phrases = phrases;
    q->idf = (double *)&q[1];
    q->frequency = &q->idf[phrases];
    q->use_table = table != 0 && valid_at >= 0 && csqlite_doclengths_ready(table)
        && csqlite_doclengths_changed_at(table) <= (uint64_t)valid_at;
    sqlite3_int64 rows = 0, tokens = 0;
    int rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK) q->average_length = (double)tokens / (double)rows;
    for (int i = 0; rc == SQLITE_OK && i < phrases; i++) {
        sqlite3_int64 hits = 0;
        rc = api->xQueryPhrase(fts, i, (void *)&hits, csqlite_bm25_count);
        if (rc == SQLITE_OK) {
            double idf = log((rows - hits + 0.5) / (hits + 0.5));
            if (idf <= 0.0) idf = 1e-6;
            q->idf[i] = idf;
        }
    }
    if (rc != SQLITE_OK) { sqlite3_free(q); return rc; }
    rc = api->xSetAuxdata(fts, q, sqlite3_free);
    if (rc != SQLITE_OK) return rc;
    *out = q;
    return SQLITE_OK;
}

static void csqlite_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                         int nVal, sqlite3_value **apVal) {
    const double k1 = 1.2, b = 0.75;
    const void *table = api->xUserData(fts);
    sqlite3_int64 valid_at = nVal > 0 ? sqlite3_value_int64(apVal[0]) : -1;
    csqlite_bm25_query *q = 0;
    int rc = csqlite_bm25_prepare(api, fts, table, valid_at, &q);
    int instances = 0;
    if (rc == SQLITE_OK) {
        memset(q->frequency, 0, sizeof(double) * (size_t)q->phrases);
        rc = api->xInstCount(fts, &instances);
    }
    for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
        int phrase, column, offset;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK) q->frequency[phrase] += (nVal > column + 1) ? sqlite3_value_double(apVal[column + 1]) : 1.0;
    }
    double length = 0.0;
    if (rc == SQLITE_OK) {
        uint32_t known = q->use_table ? csqlite_doclengths_get(table, api->xRowid(fts)) : 0;
        if (known != 0) {
            length = (double)known;
        } else {
            int tokens = 0;
            rc = api->xColumnSize(fts, -1, &tokens);
            length = (double)tokens;
        }
    }
    double score = 0.0;
    for (int i = 0; rc == SQLITE_OK && i < q->phrases; i++) {
        score += q->idf[i] * ((q->frequency[i] * (k1 + 1.0)) /
                              (q->frequency[i] + k1 * (1 - b + b * length / q->average_length)));
    }
    if (rc == SQLITE_OK) sqlite3_result_double(ctx, -1.0 * score);
    else sqlite3_result_error_code(ctx, rc);
}

// Registers `csqlite_bm25` as `name` on `db`, reading lengths from `table` (which must outlive
// the connection; 0: never).
static inline int csqlite_register_bm25(sqlite3 *db, const char *name, void *table) {
    fts5_api *api = 0;
    int rc = csqlite_fts5_api(db, &api);
    if (rc != SQLITE_OK) return rc;
    return api->xCreateFunction(api, name, table, csqlite_bm25, 0);
}

static const int CSQLITE_FTS5_TOKENIZE_QUERY = FTS5_TOKENIZE_QUERY;
static const int CSQLITE_FTS5_TOKEN_COLOCATED = FTS5_TOKEN_COLOCATED;
#endif
