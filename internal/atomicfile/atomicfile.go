// Package atomicfile writes files whole: through a temporary file in the
// same folder, synced, then renamed over the old one, so that a reader
// sees the old file or the new one and never half of either. The folder
// is opened once (Dir) and written through its descriptor: a link where
// the folder or the file should be is never followed, and a folder moved
// or replaced at its path since it was opened is refused, not written.
// Trusted says whether root may write into a folder at all.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Write writes data to path with mode, atomically. The folder's last
// element must not be a link.
func Write(path string, data []byte, mode os.FileMode) error {
	d, err := OpenDir(filepath.Dir(path))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("write %s: %w", path, pe.Err)
		}
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer d.Close()
	return d.Write(filepath.Base(path), data, mode)
}

// Dir is a folder opened for writing files into it.
type Dir struct {
	path     string
	fd       int
	dev, ino uint64
}

// OpenDir opens the folder at path, which must be a folder and not a link.
func OpenDir(path string) (*Dir, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			return nil, fmt.Errorf("%s is not a folder (a link is not followed)", path)
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Dir{path: path, fd: fd, dev: uint64(st.Dev), ino: uint64(st.Ino)}, nil
}

// Path is the folder's path.
func (d *Dir) Path() string { return d.path }

// Close closes the folder.
func (d *Dir) Close() error { return unix.Close(d.fd) }

// Current reports whether the path still names the folder opened.
func (d *Dir) Current() error {
	var st unix.Stat_t
	if err := unix.Lstat(d.path, &st); err != nil || uint64(st.Dev) != d.dev || uint64(st.Ino) != d.ino {
		return fmt.Errorf("%s is not the folder opened at start (it was moved or replaced); not written", d.path)
	}
	return nil
}

// Write writes data to the file name of the folder, with mode, atomically:
// a temporary file made there (never through a link), synced, renamed over
// name. A folder no longer at its path is refused.
func (d *Dir) Write(name string, data []byte, mode os.FileMode) error {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return fmt.Errorf("write %q: not a file name", name)
	}
	if err := d.Current(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := "." + name + "." + hex.EncodeToString(rnd[:])
	fd, err := unix.Openat(d.fd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(d.path, name), err)
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode) // made 0600
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = unix.Renameat(d.fd, tmp, d.fd, name)
	}
	if err != nil {
		unix.Unlinkat(d.fd, tmp, 0)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// maxTrustLinks bounds the links Trusted follows.
const maxTrustLinks = 40

// Trusted says why root may not write into the folder at path, or nil: it
// and every folder above it must be root's and writable by root alone
// (a sticky folder, such as /tmp, is writable by others but lets none of
// them move or replace what is root's in it), and every link on the way
// root's too, so that no other user can ever change where a write lands.
// A part of the path that does not exist yet is root's to make.
func Trusted(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("%s is not an absolute path", path)
	}
	return trusted("/", split(path), 0)
}

func trusted(cur string, todo []string, links int) error {
	if err := trustedDir(cur); err != nil {
		return err
	}
	for i, elem := range todo {
		if elem == "." {
			continue
		}
		if elem == ".." {
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, elem)
		var st unix.Stat_t
		if err := unix.Lstat(next, &st); err != nil {
			if errors.Is(err, unix.ENOENT) {
				return nil // root makes the rest
			}
			return fmt.Errorf("%s: %w", next, err)
		}
		switch uint32(st.Mode) & unix.S_IFMT {
		case unix.S_IFLNK:
			if st.Uid != 0 {
				return fmt.Errorf("%s is a link that belongs to uid %d", next, st.Uid)
			}
			if links++; links > maxTrustLinks {
				return fmt.Errorf("%s: too many links", next)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return fmt.Errorf("%s: %w", next, err)
			}
			rest := append(split(target), todo[i+1:]...)
			if filepath.IsAbs(target) {
				return trusted("/", rest, links)
			}
			return trusted(cur, rest, links)
		case unix.S_IFDIR:
			if err := trustedDir(next); err != nil {
				return err
			}
			cur = next
		default:
			return fmt.Errorf("%s is not a folder", next)
		}
	}
	return nil
}

// trustedDir says why the folder at p is not root's alone, or nil.
func trustedDir(p string) error {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	switch mode := uint32(st.Mode); {
	case st.Uid != 0:
		return fmt.Errorf("%s belongs to uid %d, not root", p, st.Uid)
	case mode&0o022 != 0 && mode&unix.S_ISVTX == 0:
		return fmt.Errorf("%s is writable by others (mode %o)", p, mode&0o777)
	}
	return nil
}

func split(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}
