// Package deploy holds equitrial's deployment files (Dockerfile, compose file,
// Kubernetes manifests, systemd unit) and the tests that check them offline: the
// Kubernetes manifests decode strictly into Kubernetes' own API types, probes and
// security settings are as documented, every environment variable set is one the
// binary reads, and the compose file has a replica set and two replicas. There is
// no Go code to run here.
package deploy
