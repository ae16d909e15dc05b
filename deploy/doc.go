// Package deploy holds what it takes to run Junction outside `junction dev`:
// the container image recipe and the Temporal dynamic config a production
// cluster should use. It has no Go code of its own; it exists as a package so
// the files travel with the module and are found in one place.
//
// Today: the Dockerfile, used by the root docker-compose.yml (PostgreSQL,
// Temporal, its UI, Junction's worker and gateway), which a test here checks
// statically. Kubernetes manifests and a Vault policy come with the issues
// that need them.
package deploy
