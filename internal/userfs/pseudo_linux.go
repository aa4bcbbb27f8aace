package userfs

import "golang.org/x/sys/unix"

// pseudoFS are the kernel's pseudo-filesystems, by their statfs magic:
// their files are not data (a zero size that reads for ever, figures that
// change as they are read, knobs that act when opened).
var pseudoFS = map[int64]string{
	unix.PROC_SUPER_MAGIC:    "procfs",
	unix.SYSFS_MAGIC:         "sysfs",
	unix.DEBUGFS_MAGIC:       "debugfs",
	unix.TRACEFS_MAGIC:       "tracefs",
	unix.SECURITYFS_MAGIC:    "securityfs",
	unix.CGROUP_SUPER_MAGIC:  "cgroup",
	unix.CGROUP2_SUPER_MAGIC: "cgroup2",
	unix.BPF_FS_MAGIC:        "bpf",
	unix.PSTOREFS_MAGIC:      "pstore",
	unix.EFIVARFS_MAGIC:      "efivarfs",
	unix.SELINUX_MAGIC:       "selinuxfs",
	unix.BINFMTFS_MAGIC:      "binfmt_misc",
	unix.DEVPTS_SUPER_MAGIC:  "devpts",
	unix.SMACK_MAGIC:         "smackfs",
	unix.NSFS_MAGIC:          "nsfs",
}

// pseudo refuses what fd is on a kernel pseudo-filesystem.
func pseudo(fd int) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return err
	}
	if _, ok := pseudoFS[int64(st.Type)]; ok {
		return ErrPseudo
	}
	return nil
}
