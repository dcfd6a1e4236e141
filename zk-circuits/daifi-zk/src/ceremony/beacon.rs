//! The random beacon that closes each phase: a public value nobody could
//! predict when the last contribution was made (a future block hash), hashed
//! `2^iterations_log2` times so that nobody can try many candidate values in
//! the time between the block and the deadline. The secrets it contributes
//! are public: the beacon adds no trust, it takes away the last contributor's
//! power to choose the outcome.

use ark_bn254::Fr;
use ark_ff::{PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{digest::consts::U32, Blake2b, Blake2b512, Digest};

/// A beacon value and how long it is stretched.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Beacon {
	/// The public random value (e.g. the hash of a block chosen in advance).
	pub value: [u8; 32],
	/// The value is hashed `2^iterations_log2` times.
	pub iterations_log2: u8,
}

/// Most iterations a beacon may ask for: 2^24 hashes take seconds. A
/// transcript is verified by every provider's node, so a beacon that asked
/// for days of hashing would be a way to stall them.
pub const MAX_ITERATIONS_LOG2: u8 = 24;

impl Beacon {
	/// The stretched seed: blake2b-256 applied `2^iterations_log2` times (at
	/// most [`MAX_ITERATIONS_LOG2`]; the verifiers refuse a beacon above it).
	pub fn seed(&self) -> [u8; 32] {
		let mut seed = self.value;
		for _ in 0..(1u64 << self.iterations_log2.min(MAX_ITERATIONS_LOG2)) {
			seed = Blake2b::<U32>::digest(seed).into();
		}
		seed
	}

	/// The non-zero secrets named `labels` that this beacon contributes
	/// (the seed is stretched once for all of them).
	pub fn secrets<const N: usize>(&self, labels: [&[u8]; N]) -> [Fr; N] {
		let seed = self.seed();
		labels.map(|label| secret(&seed, label))
	}
}

fn secret(seed: &[u8; 32], label: &[u8]) -> Fr {
	(0u32..)
		.map(|counter| {
			let mut hasher = Blake2b512::new();
			hasher.update(b"daifi-beacon");
			hasher.update(seed);
			hasher.update(label);
			hasher.update(counter.to_le_bytes());
			Fr::from_le_bytes_mod_order(&hasher.finalize())
		})
		.find(|x| !x.is_zero())
		.unwrap_or(Fr::from(1u64))
}
