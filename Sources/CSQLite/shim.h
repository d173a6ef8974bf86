#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
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

// Registers `tokenizer` (which must outlive the connection) under `name` on `db`.
static inline int csqlite_register_tokenizer(sqlite3 *db, const char *name, csqlite_tokenizer *tokenizer) {
    fts5_api *api = 0;
    sqlite3_stmt *stmt = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
    sqlite3_step(stmt);
    rc = sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) return rc;
    if (api == 0 || api->iVersion < 2) return SQLITE_ERROR;
    static fts5_tokenizer methods = {
        csqlite_tokenizer_create, csqlite_tokenizer_delete, csqlite_tokenizer_tokenize
    };
    return api->xCreateTokenizer(api, name, tokenizer, &methods, 0);
}

static const int CSQLITE_FTS5_TOKENIZE_QUERY = FTS5_TOKENIZE_QUERY;
static const int CSQLITE_FTS5_TOKEN_COLOCATED = FTS5_TOKEN_COLOCATED;
#endif
