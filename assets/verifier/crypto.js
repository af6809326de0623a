// What the evidence bundle verifier page takes from the npm registry (bundled by
// `make verifier-assets` into src/detente/ledger/verifier/vendor/noble.js).
export { ed25519 } from "@noble/curves/ed25519.js";
export { sha256, sha512 } from "@noble/hashes/sha2.js";
export { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
