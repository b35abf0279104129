// Package store keeps Firebreak's data in SQLite (embedded, the default) or
// PostgreSQL. Both backends share one implementation over database/sql; the
// differences (placeholders, time columns, error codes, pragmas) live in a
// small dialect, and migrations are numbered per backend. The contract both
// must meet is specified by the storetest package.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"go.opentelemetry.io/otel/attribute"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

//go:embed migrations
var migrations embed.FS

// DB is an open store.
type DB struct {
	read  pool // queries
	write pool // transactions that write; one connection on SQLite
	// redo runs the engine's redone bookkeeping on PostgreSQL (redo.go);
	// nil on SQLite.
	redo  pool
	group *groupCommit // batches SQLite write transactions; nil on PostgreSQL
	// hashes are the last committed event hashes of recently changed
	// incidents (lasthash.go).
	hashes lastHashes
	// ingest batches Ingest's transactions on PostgreSQL (ingestTx); nil
	// on SQLite, where group batches them with every other write.
	ingest  *groupCommit
	dialect dialect
	log     *slog.Logger
	now     func() time.Time
	onJobs  jobsHook   // wakes the job engine after jobs commit; see jobs.go
	holder  holderHook // the engine that holds jobs; see jobs_held.go
	trigger Triggers   // jobs written with incident events and new queue entries; see paging.go
	stmts   stmtCache
	// searchWindow: how many matches a ranked search scores; see search.go.
	searchWindow int
	// searchSpan: the first range of numbers a PostgreSQL search reads
	// (newestAbove); tests make it small.
	searchSpan int64
	// ckpt checkpoints the SQLite WAL in the background; nil on PostgreSQL.
	ckpt     *sql.DB
	path     string     // the SQLite file; "" on PostgreSQL
	lock     *lockFile  // held while open with Options.Exclusive
	disk     *diskGuard // the reserve and full-disk state; nil on PostgreSQL
	ckptStop chan struct{}
	ckptDone chan struct{}
	// idemStale is when an Idempotency-Key reservation counts as
	// abandoned; see DefaultIdempotencyStale.
	idemStale time.Duration
	// dsn and channel: where a Listener connects and what it LISTENs to
	// (PostgreSQL only; see live.go).
	dsn, channel string
}

// Backend names a backend: "sqlite" or "postgres".
func (db *DB) Backend() string { return db.dialect.name }

type dialect struct {
	name string
}

func (d dialect) postgres() bool { return d.name == "postgres" }

// q rewrites ? placeholders to $n for PostgreSQL. Queries are ours, so a ?
// never appears inside a string literal.
func (d dialect) q(query string) string {
	if !d.postgres() {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeLayout is fixed-width so SQLite's text times sort as instants.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// t converts a time for a parameter: text on SQLite, timestamptz on PostgreSQL.
func (d dialect) t(v time.Time) any {
	v = v.UTC().Truncate(time.Microsecond)
	if d.postgres() {
		return v
	}
	return v.Format(timeLayout)
}

func (d dialect) tp(v *time.Time) any {
	if v == nil {
		return nil
	}
	return d.t(*v)
}

func (d dialect) isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// dbTime scans a time from either backend's column.
type dbTime struct{ time.Time }

func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

func (t *dbTime) parse(s string) error {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", s, err)
	}
	t.Time = v.UTC()
	return nil
}

// nullTime scans a nullable time.
type nullTime struct{ T *time.Time }

func (t *nullTime) Scan(src any) error {
	if src == nil {
		t.T = nil
		return nil
	}
	var v dbTime
	if err := v.Scan(src); err != nil {
		return err
	}
	t.T = &v.Time
	return nil
}

// Options configure Open.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Exclusive locks a SQLite database for this process until Close, and
	// fails with ErrLocked, naming the holder, when another process has it
	// (serve sets it; offline commands such as audit verify and backup do
	// not, so they run beside a server). PostgreSQL is shared by design.
	Exclusive bool
	// WALLimit is the SQLite WAL size past which it is truncated between
	// two write batches; DefaultWALLimit when zero.
	WALLimit int64
	// DiskReserve is the size of the SQLite reserve file, given back when
	// the disk is full (see disk.go); DefaultDiskReserve when zero.
	DiskReserve int64
	// DiskMinFree is the free space below which Ready fails, and which
	// with the reserve must be free for writes to resume after the disk
	// was full; DefaultDiskMinFree when zero.
	DiskMinFree int64
	// IdempotencyStale is how long an Idempotency-Key reservation waits
	// for its answer before it counts as abandoned (idempotency.go);
	// DefaultIdempotencyStale when zero.
	IdempotencyStale time.Duration
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Resolve turns the --db and --data-dir flags into a DSN: --db wins; else
// the SQLite file firebreak.db in the data directory.
func Resolve(db, dataDir string) string {
	if db != "" {
		return db
	}
	if dataDir == "" {
		dataDir = "firebreak-data"
	}
	return filepath.Join(dataDir, "firebreak.db")
}

// Open connects, applies pending migrations, and returns the store.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.IdempotencyStale <= 0 {
		opt.IdempotencyStale = DefaultIdempotencyStale
	}
	db := &DB{log: opt.Logger, now: opt.Now, idemStale: opt.IdempotencyStale}
	var err error
	if IsPostgres(dsn) {
		db.dialect = dialect{name: "postgres"}
		var cfg *pgx.ConnConfig
		if cfg, err = pgx.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// No JIT compilation unless the DSN asks for it: the planner's
		// costs for a search's probes passed jit_above_cost, and compiling
		// took 70 ms for a query that ran in 8. Our statements are short;
		// none runs long enough for compiled code to pay back.
		if _, set := cfg.RuntimeParams["jit"]; !set {
			cfg.RuntimeParams["jit"] = "off"
		}
		db.read.DB = stdlib.OpenDB(*cfg)
		db.read.SetMaxOpenConns(20)
		db.read.SetMaxIdleConns(20)
		db.read.system = "postgres"
		db.write = pool{DB: db.read.DB} // one pool; statements outside a transaction on it are not reads
		db.ingest = &groupCommit{db: db.write.DB, owner: db, first: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, queueLockKey), joined: true}
		db.dsn = dsn
		if db.redo.DB, err = openRedo(dsn); err != nil {
			_ = db.read.Close() // the open failure is the one to report
			return nil, err
		}
	} else {
		db.dialect = dialect{name: "sqlite"}
		if err := openSQLite(db, dsn, opt); err != nil {
			_ = db.lock.release() // the open failure is the one to report
			return nil, err
		}
	}
	if err := db.write.PingContext(ctx); err != nil {
		_ = db.Close() // the open failure is the one to report
		return nil, fmt.Errorf("connect to %s: %w", db.dialect.name, err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close() // the open failure is the one to report
		return nil, err
	}
	if err := db.prepareHot(ctx); err != nil {
		_ = db.Close() // the open failure is the one to report
		return nil, err
	}
	if err := db.setLiveChannel(ctx); err != nil {
		_ = db.Close() // the open failure is the one to report
		return nil, err
	}
	db.disk.tick() // the reserve, when there is room
	return db, nil
}

func openSQLite(db *DB, path string, opt Options) error {
	exclusive, walLimit := opt.Exclusive, opt.WALLimit
	path = sqlitePath(path)
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
	}
	if exclusive {
		l, err := acquireLock(path)
		if err != nil {
			return err
		}
		db.lock = l
	}
	db.path = path
	if exclusive {
		// Only the server keeps the reserve; offline commands beside it
		// leave it alone.
		db.disk = newDiskGuard(path, opt.DiskReserve, opt.DiskMinFree, db.FreeBytes, db.log)
	}
	// synchronous=FULL: a commit is on disk before it is acknowledged, so an
	// acknowledged write survives power loss, not only a process crash.
	pragmas := url.Values{}
	// journal_size_limit: a WAL that was reset is also cut back on disk.
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)", "journal_size_limit(67108864)"} {
		pragmas.Add("_pragma", p)
	}
	base := "file:" + path + "?" + pragmas.Encode()
	// The write connection never checkpoints: a checkpoint at commit time
	// stalls every grouped writer behind it for the whole copy. A
	// checkpointer of its own copies the WAL into the database in the
	// background instead (see checkpointer).
	//
	// temp_store=MEMORY: every grouped caller runs in a SAVEPOINT, and
	// SQLite copies each page a savepoint first changes into a
	// sub-journal; kept in a temporary file, that is a pwrite per page
	// inside the single writer (12% of its CPU under an alert storm). The
	// sub-journal only serves rolling a savepoint back within the open
	// transaction, so memory loses nothing a crash would need: durability
	// is the WAL's. cache_size: 32 MiB instead of 2 MiB, so the indexes a
	// storm inserts into at random keys stay cached as the database grows
	// instead of being read back page by page (the leg-by-leg slowdown).
	writeOpts := "&_pragma=wal_autocheckpoint(0)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)&_txlock=immediate"
	var err error
	// Writes go through one connection with immediate transactions: SQLite
	// has one writer anyway, and this avoids busy-waiting between our own
	// connections. Other processes (the CLI) still wait on busy_timeout.
	if db.write.DB, err = sql.Open("sqlite", base+writeOpts); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	// Readers read pages with pread, not through mmap_size: mapping the
	// file took a search's p50 at a million incidents from 13.5 to 9 ms
	// but its p99 from 23 to 44–50 ms, since every read connection maps
	// the file on its own and pays a page fault on each first touch of a
	// page, and the slowest searches are those touching the most pages
	// (bench/README.md, 7 December).
	//
	// cache_size: 32 MiB per reader instead of 2 MiB. A ranked search
	// scores up to 1,000 matches spread over the whole table, and bm25
	// reads each one's column sizes from incident_fts_docsize (12 MiB at a
	// million incidents): with 2 MiB nearly every lookup was a pread of a
	// page read many times before, 30% of a search's CPU. The cache fills
	// only as pages are read, so an idle process is no larger.
	if db.read.DB, err = sql.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=cache_size(-32768)"); err != nil {
		_ = db.write.Close() // the open failure is the one to report
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.read.system = "sqlite"
	db.read.SetMaxOpenConns(8)
	db.read.SetMaxIdleConns(8)
	db.read.SetConnMaxIdleTime(0)
	db.read.SetConnMaxLifetime(0)
	if walLimit <= 0 {
		walLimit = DefaultWALLimit
	}
	db.group = &groupCommit{db: db.write.DB, owner: db, wal: &walGuard{path: path + "-wal", limit: walLimit, log: db.log.Warn, kick: make(chan struct{}, 1)}, disk: db.disk}
	if db.ckpt, err = sql.Open("sqlite", base); err != nil {
		_ = db.write.Close() // the open failure is the one to report
		_ = db.read.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.ckpt.SetMaxOpenConns(1)
	db.ckptDone = make(chan struct{})
	db.ckptStop = make(chan struct{})
	go db.checkpointer()
	return nil
}

// checkpointer copies the WAL into the database file every
// checkpointEvery, and when the WAL guard asks (past half its limit),
// without blocking writers (PASSIVE), and truncates the WAL at Close. A
// PASSIVE checkpoint never waits for readers or the writer; what it cannot
// copy yet it copies next time.
func (db *DB) checkpointer() {
	defer close(db.ckptDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	wal := db.group.wal
	var failing time.Time // since when checkpoints fail; logged once, not every second
	for {
		tick := false
		select {
		case <-db.ckptStop:
			if _, err := db.ckpt.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				db.log.Warn("final WAL checkpoint", "err", err)
			}
			return
		case <-wal.kick:
		case <-t.C:
			tick = true
		}
		wal.copying.Store(true)
		_, err := db.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		wal.copying.Store(false)
		switch {
		case err != nil && failing.IsZero():
			failing = db.now()
			if db.disk.admit() == nil { // a full disk says so itself
				db.log.Warn("WAL checkpoint failed; retrying every second, logged again when it works", "err", unreachable(err))
			}
		case err == nil && !failing.IsZero():
			db.log.Info("WAL checkpoint works again", "failed_for", db.now().Sub(failing).Round(time.Second))
			failing = time.Time{}
		}
		if tick {
			db.disk.tick()
		}
	}
}

// checkpointEvery is how often the WAL is copied into the database.
const checkpointEvery = time.Second

// Migrate applies every pending migration.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	gd := goose.DialectSQLite3
	if db.dialect.postgres() {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, db.write.DB, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		db.log.Info("applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Ready reports whether the store can serve within ctx: the database
// answers a read of the incidents table (which a frozen or locked
// database does not), and on SQLite writes are not refused for lack of
// space and free space is above the minimum. Its errors are
// errs.Unavailable.
func (db *DB) Ready(ctx context.Context) error {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM incidents LIMIT 1) AS probe`).Scan(&n)
	if err != nil {
		e := errs.E(errs.Unavailable, "", "the database does not answer")
		e.RetryAfter = 5 * time.Second
		return fmt.Errorf("%w: %v", e, err)
	}
	return db.disk.ready()
}

// Close releases the connections.
func (db *DB) Close() error {
	db.stmts.close()
	var err error
	if db.ckpt != nil {
		close(db.ckptStop) // a last checkpoint truncates the WAL
		<-db.ckptDone
		err = db.ckpt.Close()
	}
	err = errors.Join(err, db.read.Close())
	if db.redo.DB != nil {
		err = errors.Join(err, db.redo.Close())
	}
	if db.write.DB != db.read.DB {
		err = errors.Join(err, db.write.Close())
	}
	// Only after the last connection is closed may another server start.
	return errors.Join(err, db.lock.release())
}

// sqlitePath is the file of a SQLite DSN.
func sqlitePath(dsn string) string {
	p := strings.TrimPrefix(dsn, "sqlite://")
	p = strings.TrimPrefix(p, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

// tx runs fn in a write transaction and commits if it returns nil. fn must
// use the context it is given. On SQLite, concurrent calls share one
// transaction and one fsync (see groupCommit); fn then runs inside a
// savepoint, so its error undoes its own writes only.
func (db *DB) tx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return db.txIn(ctx, db.group, fn)
}

// txIn is tx committed through group g (one transaction shared by
// concurrent callers), or alone when g is nil.
func (db *DB) txIn(ctx context.Context, g *groupCommit, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	// One span per transaction, the store's one write path; a child of
	// the request's or job's span, none when they are not traced.
	ctx, span := telemetry.Start(ctx, "store.tx")
	if span.IsRecording() {
		span.SetAttributes(attribute.String("db.system", db.Backend()))
	}
	defer func() { telemetry.End(span, err) }()
	if c := idemClaimOf(ctx); c != nil {
		// A request under an Idempotency-Key: its key is marked applied
		// in this same transaction (idempotency.go).
		fn = db.markApplied(c, fn)
	}
	fn, committed := withCommitHooks(fn)
	if g != nil {
		err = unreachable(diskFullError(g.do(ctx, fn)))
	} else {
		err = unreachable(diskFullError(db.txAlone(ctx, db.write.DB, fn)))
	}
	if err == nil {
		committed()
	}
	return err
}

// txAlone runs fn in a transaction of its own on p (PostgreSQL).
func (db *DB) txAlone(ctx context.Context, p *sql.DB, fn func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := p.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func notFound(field, format string, args ...any) error {
	return errs.E(errs.NotFound, field, format, args...)
}
