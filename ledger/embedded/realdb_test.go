package embedded

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/plumbline/plumbline/ledger/embedded/keys"
)

// TestVerifyRealDB runs VerifyDB, read-only, on the SQLite database named
// by PLUMBLINE_VERIFY_DB (keys in the "keys" folder beside it, or in
// PLUMBLINE_VERIFY_KEYS), e.g. a ledger made by `plumbline demo --events
// 1000000`. It is skipped when the variable is unset. Profile with
//
//	PLUMBLINE_VERIFY_DB=/path/plumbline.db go test -run VerifyRealDB \
//	  -cpuprofile cpu.out -timeout 1h ./ledger/embedded
func TestVerifyRealDB(t *testing.T) {
	path := os.Getenv("PLUMBLINE_VERIFY_DB")
	if path == "" {
		t.Skip("PLUMBLINE_VERIFY_DB is not set")
	}
	kdir := os.Getenv("PLUMBLINE_VERIFY_KEYS")
	if kdir == "" {
		kdir = filepath.Join(filepath.Dir(path), "keys")
	}
	caPEM, err := os.ReadFile(filepath.Join(kdir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := keys.ParseCA(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := os.ReadFile(filepath.Join(kdir, "checkpoint.pub"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := gorm.Open(sqlite.Open("file:"+path+"?mode=ro&_busy_timeout=30000"), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	start := time.Now()
	rep, err := VerifyDB(context.Background(), db, ca, strings.TrimSpace(string(vkey)), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d entries, %d hashes, %d checkpoints, %d state keys in %v", rep.Entries, rep.Hashes, rep.Checkpoints, rep.StateKeys, time.Since(start))
}
