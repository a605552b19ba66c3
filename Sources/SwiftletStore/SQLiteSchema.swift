import GRDB

/// Opening an SQLite store file: connection settings and schema migrations.
enum SQLiteSchema {
    static func openPool(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.label = "swiftlet.store"
        // Another process briefly holding the file (a backup, the sqlite3 shell) should not fail writes.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Only takes effect on a new file, before the first table; lets compaction give pages back.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            }
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            // GRDB picks NORMAL for WAL, which can lose the last commits on power loss; a write is
            // acknowledged only once durable, so every commit fsyncs the WAL.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Truncate the WAL after checkpoints, so a burst does not leave a huge file behind.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            // WALCheckpointer checkpoints in the background. Under sustained writes it never quite
            // catches up, and only a checkpoint under the writer lock lets the WAL start over:
            // this in-line one, rare and cheap since most frames are already copied, bounds the WAL.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
        }
        try migrator.migrate(pool)
        return pool
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-log") { db in
            try db.execute(sql: SQLiteLog.schema)
        }
        return migrator
    }
}
