"""The audit ledger: every stored event a leaf of a Merkle tree (RFC 6962),
signed checkpoints of the tree, verification and proofs."""
