//go:build unix

package devvault

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts Vault in its own process group, so that Ctrl-C in the
// terminal reaches `junction dev` alone and Vault stops only when Stop says
// so, after the workers that use it.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
