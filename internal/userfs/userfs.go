// Package userfs reads a user's files as that user could: what a run as
// root reads for a user (--user, the console's owner) never takes it
// where the user could not go, and nothing about a file the user could
// not read (its size, its type, that it exists) reaches the caller.
//
// Every path is resolved here one name at a time from the root, each
// folder opened relative to the one before it and never through a link;
// a link is read (readlinkat) and its target resolved the same way, at
// most 40 of them. For a user the process is not (root reading for a
// user), each step is checked against that user's permissions first: a
// folder must be searchable to be looked into and readable to be listed,
// a file readable to be read, by the owner, group or other bits that
// apply to the user (POSIX alone: an ACL that would grant more is not
// honoured, so the answer is never more than the user's). For the
// process's own files the kernel checks.
//
// Whoever reads: only regular files are opened (a FIFO, a device, a
// socket are refused from their lstat, never opened), opens never follow
// a link, never block and never take a controlling terminal, and on
// Linux nothing on procfs, sysfs or another kernel pseudo-filesystem is
// entered or read (their files claim a size of 0 and block, or change as
// they are read).
package userfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxLinks is how many links one resolution follows, as the kernel's
// (Linux: 40).
const maxLinks = 40

// maxPath is the longest path resolved (PATH_MAX).
const maxPath = 4096

// As is whose reads these are.
type As struct {
	// UID and GIDs (primary first) are the user's.
	UID  int
	GIDs []int
	// Check makes the user's permission checks here: set when the process
	// reads for someone it is not. Unset, the kernel's checks, which are
	// the process's own, decide.
	Check bool

	// folders, when set (Reuse), keeps the folders walked, by path, for
	// the next reads in them.
	folders *folders
}

// folders are folders walked to without a link, kept open by their path.
type folders struct{ open map[string][]int }

// Reuse is a, keeping the folders its reads walk to open for the next
// reads in them (a sweep reads a dozen files in two folders); Close
// closes them. Not for concurrent use.
func (a As) Reuse() As {
	a.folders = &folders{open: make(map[string][]int)}
	return a
}

// Close closes the folders Reuse kept.
func (a As) Close() {
	if a.folders == nil {
		return
	}
	for p, fds := range a.folders.open {
		for _, fd := range fds {
			unix.Close(fd)
		}
		delete(a.folders.open, p)
	}
}

// Self reads as this process.
func Self() As { return As{UID: os.Geteuid(), GIDs: []int{os.Getegid()}} }

// For reads as the user uid with groups gids: checked here when the
// process is someone else (root).
func For(uid int, gids []int) As {
	return As{UID: uid, GIDs: gids, Check: uid != os.Geteuid()}
}

// NotRegularError is a path that is not a regular file where one is
// wanted.
type NotRegularError struct{ Kind string }

func (e *NotRegularError) Error() string { return "not a regular file (" + e.Kind + ")" }

// TooLargeError is a file past the limit of a read: of Size bytes, or,
// when it grew as it was read (Grew), of more than Limit.
type TooLargeError struct {
	Size, Limit int64
	Grew        bool
}

func (e *TooLargeError) Error() string { return "too large" }

// ErrPseudo is a path on a kernel pseudo-filesystem (procfs, sysfs…).
var ErrPseudo = errors.New("a kernel pseudo-file (procfs, sysfs…), not read")

// Info is what an lstat says of a path.
type Info struct {
	Mode fs.FileMode
	Size int64
	UID  int
}

// Kind names what a mode is, for a refusal.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// ReadFile reads a regular file of at most max bytes.
func (a As) ReadFile(name string, max int) ([]byte, error) {
	fd, st, err := a.openFile(name)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	if st.Size > int64(max) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &TooLargeError{Size: st.Size, Limit: int64(max)}}
	}
	b, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if len(b) > max {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &TooLargeError{Size: int64(len(b)), Limit: int64(max), Grew: true}}
	}
	return b, nil
}

// openFile opens a regular file the user may read: lstat first (anything
// else is refused unopened), then open without following a link, then
// fstat to be sure it is the file that was checked.
func (a As) openFile(name string) (int, Info, error) {
	c, last, err := a.resolve(name, true)
	if err != nil {
		return -1, Info{}, err
	}
	defer c.close()
	var st unix.Stat_t
	if err := c.lstat(last, &st); err != nil {
		return -1, Info{}, pathErr("open", name, err)
	}
	info := infoOf(&st)
	if !info.Mode.IsRegular() {
		return -1, Info{}, pathErr("open", name, &NotRegularError{Kind: Kind(info.Mode)})
	}
	if !a.allows(&st, 4) {
		return -1, Info{}, pathErr("open", name, syscall.EACCES)
	}
	fd, err := unix.Openat(c.fd(), last, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, Info{}, pathErr("open", name, err)
	}
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil || now.Dev != st.Dev || now.Ino != st.Ino || !infoOf(&now).Mode.IsRegular() {
		unix.Close(fd)
		return -1, Info{}, pathErr("open", name, errors.New("changed while it was opened"))
	}
	if err := pseudo(fd); err != nil {
		unix.Close(fd)
		return -1, Info{}, pathErr("open", name, err)
	}
	return fd, infoOf(&now), nil
}

// Stat is what lstat says of the path's target, links followed as the
// user could.
func (a As) Stat(name string) (Info, error) { return a.stat(name, true) }

// Lstat is what lstat says of the path itself.
func (a As) Lstat(name string) (Info, error) { return a.stat(name, false) }

func (a As) stat(name string, follow bool) (Info, error) {
	c, last, err := a.resolve(name, follow)
	if err != nil {
		return Info{}, err
	}
	defer c.close()
	var st unix.Stat_t
	if err := c.lstat(last, &st); err != nil {
		return Info{}, pathErr("lstat", name, err)
	}
	return infoOf(&st), nil
}

// Readlink is a link's target.
func (a As) Readlink(name string) (string, error) {
	c, last, err := a.resolve(name, false)
	if err != nil {
		return "", err
	}
	defer c.close()
	target, err := c.readlink(last)
	if err != nil {
		return "", pathErr("readlink", name, err)
	}
	return target, nil
}

// ReadDirNames lists a folder the user may list, at most max names.
func (a As) ReadDirNames(name string, max int) ([]string, error) {
	c, last, err := a.resolve(name, true)
	if err != nil {
		return nil, err
	}
	defer c.close()
	var st unix.Stat_t
	if err := c.lstat(last, &st); err != nil {
		return nil, pathErr("open", name, err)
	}
	if !infoOf(&st).Mode.IsDir() {
		return nil, pathErr("open", name, syscall.ENOTDIR)
	}
	if !a.allows(&st, 4) {
		return nil, pathErr("open", name, syscall.EACCES)
	}
	fd, err := c.openDir(last, &st)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	names, err := f.Readdirnames(max)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, pathErr("readdir", name, err)
	}
	slices.Sort(names)
	return names, nil
}

// allows reports whether the user may do want (4 read, 1 search) with st.
func (a As) allows(st *unix.Stat_t, want uint32) bool {
	if !a.Check || a.UID == 0 {
		return true
	}
	mode := uint32(st.Mode) & 0o777
	switch {
	case int(st.Uid) == a.UID:
		return mode&(want<<6) != 0
	case slices.Contains(a.GIDs, int(st.Gid)):
		return mode&(want<<3) != 0
	}
	return mode&want != 0
}

// cursor is where a resolution stands: the folders opened from the root
// to here, each checked, the last the current one. The first borrowed
// are kept (As.Reuse), not the cursor's to close.
type cursor struct {
	fds      []int
	borrowed int
}

func (c *cursor) fd() int { return c.fds[len(c.fds)-1] }

func (c *cursor) close() {
	for _, fd := range c.fds[min(c.borrowed, len(c.fds)):] {
		unix.Close(fd)
	}
	c.fds, c.borrowed = nil, 0
}

// toRoot starts again from the root.
func (c *cursor) toRoot() error {
	c.close()
	fd, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	c.fds = []int{fd}
	return nil
}

// up goes to the parent folder; the root's parent is the root.
func (c *cursor) up() {
	if len(c.fds) > 1 {
		if len(c.fds) > c.borrowed {
			unix.Close(c.fd())
		} else {
			c.borrowed--
		}
		c.fds = c.fds[:len(c.fds)-1]
	}
}

func (c *cursor) lstat(name string, st *unix.Stat_t) error {
	return unix.Fstatat(c.fd(), name, st, unix.AT_SYMLINK_NOFOLLOW)
}

func (c *cursor) readlink(name string) (string, error) {
	buf := make([]byte, maxPath)
	n, err := unix.Readlinkat(c.fd(), name, buf)
	if err != nil {
		return "", err
	}
	if n >= len(buf) {
		return "", syscall.ENAMETOOLONG
	}
	return string(buf[:n]), nil
}

// openDir opens the folder name of the current one, as st said it is: a
// swap in between (for a link, or another folder) is refused.
func (c *cursor) openDir(name string, st *unix.Stat_t) (int, error) {
	fd, err := unix.Openat(c.fd(), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil || now.Dev != st.Dev || now.Ino != st.Ino {
		unix.Close(fd)
		return -1, errors.New("changed while it was opened")
	}
	if err := pseudo(fd); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// resolve walks to the folder that holds name's last element, following
// links on the way (and in the last element when follow is set), and
// returns that folder and the last element. Every folder looked into must
// be searchable by the user.
func (a As) resolve(name string, follow bool) (*cursor, string, error) {
	if !path.IsAbs(name) {
		return nil, "", pathErr("open", name, errors.New("not an absolute path"))
	}
	if len(name) > maxPath {
		return nil, "", pathErr("open", name, syscall.ENAMETOOLONG)
	}
	todo := split(name)
	c := &cursor{}
	// A folder kept from an earlier read: start there.
	folder := "/" + strings.Join(todo[:max(len(todo)-1, 0)], "/")
	if kept, ok := a.kept(folder); ok && len(todo) > 0 {
		// A copy: a walk on from here must never write into the kept one.
		c.fds, c.borrowed, todo = slices.Clone(kept), len(kept), todo[len(todo)-1:]
	} else if err := c.toRoot(); err != nil {
		return nil, "", pathErr("open", name, err)
	}
	straight := true // no link nor ".." on the way: the folder may be kept
	links := 0
	for {
		if len(todo) == 0 { // the path was the root itself
			todo = []string{"."}
		}
		elem := todo[0]
		rest := todo[1:]
		switch {
		case elem == "..":
			straight = false
			c.up()
			todo = rest
			if len(todo) == 0 {
				todo = []string{"."}
			}
			continue
		case elem == "." && len(rest) > 0:
			todo = rest
			continue
		}
		if a.Check {
			var dir unix.Stat_t
			if err := unix.Fstat(c.fd(), &dir); err != nil {
				c.close()
				return nil, "", pathErr("open", name, err)
			}
			if !a.allows(&dir, 1) {
				c.close()
				return nil, "", pathErr("open", name, syscall.EACCES)
			}
		}
		if elem == "." { // the path names the current folder itself
			return c, ".", nil
		}
		if len(elem) > 255 {
			c.close()
			return nil, "", pathErr("open", name, syscall.ENAMETOOLONG)
		}
		if len(rest) == 0 && !follow {
			return a.keep(c, straight, folder), elem, nil
		}
		var st unix.Stat_t
		if err := c.lstat(elem, &st); err != nil {
			if len(rest) == 0 && errors.Is(err, syscall.ENOENT) {
				return a.keep(c, straight, folder), elem, nil // the caller says it is missing
			}
			c.close()
			return nil, "", pathErr("open", name, err)
		}
		mode := infoOf(&st).Mode
		switch {
		case mode&fs.ModeSymlink != 0:
			links++
			if links > maxLinks {
				c.close()
				return nil, "", pathErr("open", name, syscall.ELOOP)
			}
			target, err := c.readlink(elem)
			if err != nil {
				c.close()
				return nil, "", pathErr("open", name, err)
			}
			// Only a link to a name beside it leaves the cursor where it is.
			straight = straight && len(rest) == 0 && !strings.Contains(target, "/")
			if path.IsAbs(target) {
				if err := c.toRoot(); err != nil {
					return nil, "", pathErr("open", name, err)
				}
			}
			todo = append(split(target), rest...)
			if len(todo) == 0 {
				todo = []string{"."}
			}
		case len(rest) == 0:
			return a.keep(c, straight, folder), elem, nil
		case !mode.IsDir():
			c.close()
			return nil, "", pathErr("open", name, syscall.ENOTDIR)
		default:
			fd, err := c.openDir(elem, &st)
			if err != nil {
				c.close()
				return nil, "", pathErr("open", name, err)
			}
			c.fds = append(c.fds, fd)
			todo = rest
		}
	}
}

// kept is the folder at path kept open, if it is.
func (a As) kept(path string) ([]int, bool) {
	if a.folders == nil {
		return nil, false
	}
	fds, ok := a.folders.open[path]
	return fds, ok
}

// keep hands a cursor that stands at folder, reached straight (no link,
// no ".."), over to the kept folders: the cursor borrows it from then on.
func (a As) keep(c *cursor, straight bool, folder string) *cursor {
	if a.folders == nil || !straight || c.borrowed == len(c.fds) {
		return c
	}
	if _, ok := a.folders.open[folder]; ok {
		return c
	}
	a.folders.open[folder] = slices.Clone(c.fds)
	c.borrowed = len(c.fds)
	return c
}

// split is a path's elements, without empty ones.
func split(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

func infoOf(st *unix.Stat_t) Info {
	m := fs.FileMode(uint32(st.Mode) & 0o777)
	switch uint32(st.Mode) & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	}
	return Info{Mode: m, Size: st.Size, UID: int(st.Uid)}
}

// pathErr makes err a *fs.PathError of name, unless it is one.
func pathErr(op, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// String is an Info for a log: "a directory, 4096 bytes".
func (i Info) String() string { return fmt.Sprintf("%s, %d bytes", Kind(i.Mode), i.Size) }
