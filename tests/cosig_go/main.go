// Checks a cosigned checkpoint with Go's golang.org/x/mod/sumdb/note, code
// Registre did not write: note.Open parses the signed note, matches each
// signature line to a verifier by name and key hash, and hands it the
// signature; the operator's Ed25519 signature is checked by note's own
// verifier, the witness's by the C2SP tlog-cosignature (cosignature/v1)
// verifier below, written here from the specification.
//
//	go run main.go NOTEFILE OPERATOR_VKEY WITNESS_VKEY
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

const algCosignatureV1 = 0x04

type cosignatureV1 struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v cosignatureV1) Name() string    { return v.name }
func (v cosignatureV1) KeyHash() uint32 { return v.hash }

// Verify checks sig = timestamp (8 bytes, big-endian) || Ed25519 signature of
// "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body.
func (v cosignatureV1) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	return ed25519.Verify(v.key, signed, sig[8:])
}

func newCosignatureVerifier(vkey string) (note.Verifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("malformed verifier key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algCosignatureV1 {
		return nil, fmt.Errorf("not a cosignature/v1 Ed25519 key")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	hash := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", hash) != parts[1] {
		return nil, fmt.Errorf("key hash %s does not match the key", parts[1])
	}
	return cosignatureV1{parts[0], hash, ed25519.PublicKey(raw[1:])}, nil
}

func main() {
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	operator, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "operator key:", err)
		os.Exit(1)
	}
	witness, err := newCosignatureVerifier(os.Args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, "witness key:", err)
		os.Exit(1)
	}
	n, err := note.Open(text, note.VerifierList(operator, witness))
	if err != nil {
		fmt.Fprintln(os.Stderr, "note:", err)
		os.Exit(1)
	}
	for _, s := range n.Sigs {
		fmt.Printf("verified signature of %s\n", s.Name)
	}
	if len(n.Sigs) != 2 {
		fmt.Fprintln(os.Stderr, "not signed by both the operator and the witness")
		os.Exit(1)
	}
}
