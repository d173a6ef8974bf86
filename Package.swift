// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "groundswell",
    products: [
        .executable(name: "groundswell", targets: ["groundswell"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // A VFS over SQLite's default that paces a checkpoint's writes (csqlite_pacing.h says why).
        .target(name: "CSQLitePacing", dependencies: ["CSQLite"]),
        .target(
            name: "SQLiteStore",
            dependencies: ["CSQLite", "CSQLitePacing", "CLinux"]
        ),
        // libpq (Debian's libpq-dev) for PostgreSQL, the store shared by several nodes (issue 19).
        .systemLibrary(
            name: "CPostgreSQL",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "PostgresStore",
            dependencies: ["CPostgreSQL"]
        ),
        .target(name: "Storage", dependencies: ["SQLiteStore", "PostgresStore", "CLinux"]),
        .target(name: "CLinux"),
        // libcurl (Debian's libcurl4-openssl-dev) for outbound HTTPS and SMTP: webhooks and email.
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Argon2id (Debian's libargon2-dev) for customers' passwords.
        .systemLibrary(
            name: "CArgon2",
            providers: [.apt(["libargon2-dev"])]
        ),
        // zlib (Debian's zlib1g-dev) for gzip content coding of pages and assets.
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // libdeflate (Debian's libdeflate-dev) compresses them; zlib stays for reading gzip back.
        .systemLibrary(
            name: "CDeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .target(name: "Compression", dependencies: ["CZlib", "CDeflate"]),
        // libvips (Debian's libvips-dev) for the pictures customers attach: decode, turn
        // upright, strip metadata, re-encode, resize. Only its JPEG, PNG and WebP loaders are used.
        // Loaded with dlopen on the first picture (Sources/CVips/include/cvips.h says why), so
        // only its headers are needed to build: libvips's own and GLib's (where glibconfig.h sits
        // depends on the architecture).
        .target(
            name: "CVips",
            cSettings: [.unsafeFlags(["-I/usr/include/glib-2.0", "-I/usr/lib/x86_64-linux-gnu/glib-2.0/include",
                                      "-I/usr/lib/aarch64-linux-gnu/glib-2.0/include"])],
            linkerSettings: [.linkedLibrary("dl")]
        ),
        .target(name: "Imaging", dependencies: ["CVips"]),
        // Talking to other servers, knowing nothing of ideas: webhook POSTs with the SSRF
        // policy and Standard Webhooks signatures, SMTP, RFC 5322 messages.
        .target(
            name: "Outbound",
            dependencies: ["CCurl", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // JSON as bytes: writer, parser, string escaping, decimal digits, RFC 3339 times.
        .target(name: "JSON"),
        // Rules as plain values, with no SQLite and no HTTP: ranking and awards, trending,
        // idea lifecycle, round state, local days in a round's time zone, engagement figures
        // (calendar dates from JSON's Timestamp).
        .target(name: "Rules", dependencies: ["JSON"]),
        .target(
            name: "HTTPServer",
            dependencies: ["CLinux", "JSON", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Groundswell",
            dependencies: [
                "CLinux",
                "SQLiteStore",
                "Storage",
                "PostgresStore",
                "HTTPServer",
                "JSON",
                "Rules",
                "Outbound",
                "CArgon2",
                "Compression",
                "Imaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "groundswell",
            dependencies: [
                "CLinux",
                "Groundswell",
                "HTTPServer",
                "JSON",
                "Outbound",
                "Rules",
                "SQLiteStore",
                "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "CloseBench",
            dependencies: ["Groundswell", "HTTPServer", "SQLiteStore", "Storage", "TestSupport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "UploadBench",
            dependencies: ["Imaging", "TestSupport"]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["HTTPServer"],
            path: "Sources/TestSupport"
        ),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["SQLiteStore", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "PostgresStoreTests", dependencies: ["PostgresStore", "TestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "JSON", "TestSupport"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "JSON"]),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound"]),
        .testTarget(name: "GroundswellTests", dependencies: ["Groundswell", "PostgresStore", "Storage", "Compression", "Imaging", "HTTPServer", "JSON", "Rules", "SQLiteStore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
