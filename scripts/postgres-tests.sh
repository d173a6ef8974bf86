#!/bin/sh
# The service tests again, on PostgreSQL (issue 19): every test class that drives the real server
# through TestService runs against a fresh database of a throw-away cluster (TestSupport.TestPostgres).
# Left out: classes about SQLite's file itself (backup, crash recovery of the file, the seeder, the
# migration of old files) and those that already run on PostgreSQL.
set -eu
SWIFT=${SWIFT:-swift}
GROUNDSWELL_TEST_ENGINE=postgres exec "$SWIFT" test --skip-build --disable-swift-testing --filter GroundswellTests \
    --skip 'BackupTests|CrashTests|MultiNodeTests|SeederTests|StoreTransferTests|PostgresSchemaTests|MigrationsTests|PostgresSearchTests|JSONWriterTests|KeyedHashTests|SearchTokenizerTests|TimestampAndLotteryTests|ErrorCatalogueTests|HandlersHoldNoSQLTests'
