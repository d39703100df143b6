//go:build tools

// Package tools pins the SeaweedFS server that scripts/fleet/s3.sh builds.
// `go install github.com/seaweedfs/seaweedfs/weed@…` is refused because
// SeaweedFS's own go.mod carries a replace directive; a module of our own that
// repeats that replace can build the same command reproducibly.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
