//go:build !unix

package devvault

import "os/exec"

func setProcAttr(*exec.Cmd) {}
