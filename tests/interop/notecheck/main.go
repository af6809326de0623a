// notecheck verifies a signed note read from standard input with Go's reference implementation
// of signed notes (golang.org/x/mod/sumdb/note), given one or more verifier keys as arguments.
// It prints the verified signers' names and the note text, or the error, and exits 1 on error.
// Used by the test suite to check that détente's checkpoints verify with an independent verifier.
package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: notecheck VKEY... < NOTE")
		os.Exit(2)
	}
	var verifiers []note.Verifier
	for _, vkey := range os.Args[1:] {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad verifier key:", err)
			os.Exit(1)
		}
		verifiers = append(verifiers, v)
	}
	msg, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fmt.Fprintln(os.Stderr, "note does not verify:", err)
		os.Exit(1)
	}
	for _, sig := range n.Sigs {
		fmt.Printf("verified %s %08x\n", sig.Name, sig.Hash)
	}
	fmt.Printf("unverified %d\n", len(n.UnverifiedSigs))
	fmt.Print(n.Text)
}
