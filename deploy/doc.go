// Package deploy holds what it takes to run Junction outside `junction dev`
// (README.md): the production image (Dockerfile), the Kubernetes manifests
// (k8s/, kustomize), the worker's and the gateway's Vault policies with an
// AppRole set-up script (vault/), the Temporal dynamic config and namespace
// set-up (temporal/), and what the root docker-compose.yml mounts. It has
// no Go code of its own; its tests check every file statically, against
// the binary's own settings (testdata/junction.json) and the module
// versions go.mod pins, and run the Vault policies against a real Vault.
package deploy
