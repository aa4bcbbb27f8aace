package status

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// DefaultConsole is the file whose owner is the user logged in at the
// Mac's screen (root at the login window).
const DefaultConsole = "/dev/console"

// Console is the file whose owner is the logged-in user: EnvConsole's
// (a test's stand-in), else DefaultConsole.
func Console() string { return cmp.Or(os.Getenv(EnvConsole), DefaultConsole) }

// UserDB looks users up: os/user, which on macOS asks the directory
// services (never build with the osusergo tag: it reads /etc/passwd only
// and misses them), or a stand-in in tests.
type UserDB interface {
	Lookup(name string) (*user.User, error)
	LookupId(uid string) (*user.User, error)
}

// SystemUsers is the system's user database.
type SystemUsers struct{}

// Lookup implements UserDB.
func (SystemUsers) Lookup(name string) (*user.User, error) { return user.Lookup(name) }

// LookupId implements UserDB.
func (SystemUsers) LookupId(uid string) (*user.User, error) { return user.LookupId(uid) }

// Whose decides whose install a run checks. spec (--user NAME or UID)
// names one; a run as root on macOS with none checks the console user's;
// otherwise (nil, "", nil): the process's own. A spec that names nobody is
// an error (a usage error); no one to check (nobody logged in, a console
// owner the user database does not know) is a problem, which makes the
// report unknown.
func Whose(spec, goos string, euid int, console string, db UserDB) (u *user.User, problem string, err error) {
	if spec != "" {
		u, err := lookup(db, spec)
		if err != nil {
			return nil, "", fmt.Errorf("--user %s: %w", spec, err)
		}
		return u, "", nil
	}
	if goos != "darwin" || euid != 0 {
		return nil, "", nil
	}
	uid, err := ConsoleOwner(console)
	if err != nil {
		return nil, "cannot tell who is logged in: " + err.Error(), nil
	}
	if uid == 0 {
		return nil, "no user is logged in (the console belongs to root); use --user to check someone's install", nil
	}
	u, err = db.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return nil, fmt.Sprintf("cannot look up the logged-in user (uid %d): %v", uid, err), nil
	}
	return u, "", nil
}

// ConsoleOwner is the uid of console's owner: the user logged in at the
// Mac's screen, 0 (root) at the login window.
func ConsoleOwner(console string) (uint32, error) {
	st, err := os.Stat(console)
	if err != nil {
		return 0, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, errors.New("no owner for " + console)
	}
	return sys.Uid, nil
}

// lookup finds a user by name, or by uid when spec is a number.
func lookup(db UserDB, spec string) (*user.User, error) {
	if _, err := strconv.Atoi(spec); err == nil {
		u, err := db.LookupId(spec)
		if err != nil {
			return nil, fmt.Errorf("no user with uid %s: %w", spec, unwrapUnknown(err))
		}
		return u, nil
	}
	u, err := db.Lookup(spec)
	if err != nil {
		return nil, fmt.Errorf("no such user: %w", unwrapUnknown(err))
	}
	return u, nil
}

// unwrapUnknown keeps os/user's "unknown user" errors short.
func unwrapUnknown(err error) error {
	var uerr user.UnknownUserError
	var iderr user.UnknownUserIdError
	if errors.As(err, &uerr) || errors.As(err, &iderr) {
		return errors.New("not in the user database")
	}
	return err
}
