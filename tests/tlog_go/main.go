// Checks a Registre log published as C2SP tlog-tiles with Go's own
// golang.org/x/mod/sumdb/note and sumdb/tlog, code Registre did not write.
//
//	go run main.go LOGDIR VKEY [OLDSIZE OLDROOT]
//
// It opens LOGDIR/checkpoint with the verifier key VKEY, reads the tree from
// its body, proves every entry of the entry bundles into it through the tiles
// (tlog.TileHashReader checks each tile against the signed root), and, given an
// earlier size and root (base64), proves that the tree extends it.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type tiles struct{ dir string }

func (t tiles) Height() int { return 8 }

func indexPath(n int64) string {
	s := fmt.Sprintf("%03d", n)
	for len(s)%3 != 0 {
		s = "0" + s
	}
	var parts []string
	for i := 0; i < len(s); i += 3 {
		parts = append(parts, s[i:i+3])
	}
	for i := 0; i < len(parts)-1; i++ {
		parts[i] = "x" + parts[i]
	}
	return strings.Join(parts, "/")
}

func path(level string, n int64, w int) string {
	p := filepath.Join("tile", level, indexPath(n))
	if w < 256 {
		p += ".p/" + strconv.Itoa(w)
	}
	return p
}

func (t tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		data, err := os.ReadFile(filepath.Join(t.dir, path(strconv.Itoa(tile.L), tile.N, tile.W)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	dir, vkey := os.Args[1], os.Args[2]
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	text, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	n, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint root: %v", err)
	}
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], raw)
	fmt.Printf("checkpoint of %s verified: %d entries\n", lines[0], size)

	reader := tlog.TileHashReader(tree, tiles{dir})
	var index int64
	for bundle := int64(0); index < size; bundle++ {
		w := 256
		if size-bundle*256 < 256 {
			w = int(size - bundle*256)
		}
		data, err := os.ReadFile(filepath.Join(dir, path("entries", bundle, w)))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		for len(data) > 0 {
			length := int(binary.BigEndian.Uint16(data))
			entry := data[2 : 2+length]
			data = data[2+length:]
			proof, err := tlog.ProveRecord(size, index, reader)
			if err != nil {
				fail("entry %d: no proof: %v", index, err)
			}
			leaf := sha256.Sum256(append([]byte{0}, entry...))
			if err := tlog.CheckRecord(proof, size, tree.Hash, index, tlog.Hash(leaf)); err != nil {
				fail("entry %d: %v", index, err)
			}
			index++
		}
	}
	fmt.Printf("inclusion verified: %d entries\n", index)

	if len(os.Args) == 5 {
		old, _ := strconv.ParseInt(os.Args[3], 10, 64)
		oldRaw, _ := base64.StdEncoding.DecodeString(os.Args[4])
		var oldHash tlog.Hash
		copy(oldHash[:], oldRaw)
		proof, err := tlog.ProveTree(size, old, reader)
		if err != nil {
			fail("consistency: no proof: %v", err)
		}
		if err := tlog.CheckTree(proof, size, tree.Hash, old, oldHash); err != nil {
			fail("consistency with %d: %v", old, err)
		}
		fmt.Printf("consistency verified: %d extends %d\n", size, old)
	}
}
