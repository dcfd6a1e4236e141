//! # daifi-zk-verifier-wasm
//!
//! [`daifi_zk_verifier`] on BN254 for JavaScript, so that a user can check a
//! result a provider hands over (output and Groth16 proof, before the chain
//! settles it) against the model's verifying key read from chain state,
//! without a node of their own. Build:
//!
//! ```text
//! cargo build --release -p daifi-zk-verifier-wasm --target wasm32v1-none --no-default-features
//! ```
//!
//! and load `daifi_zk_verifier_wasm.wasm` with `scripts/e2e/lib/verifier.mjs`
//! (Node.js or a browser: it needs only `WebAssembly`). The module imports
//! nothing and exports its memory and three functions:
//!
//! - `daifi_reset()`: frees everything allocated since the last reset (call
//!   it before each verification);
//! - `daifi_alloc(len) -> ptr`: `len` bytes of memory for the caller to fill;
//! - `daifi_verify(...) -> code`: see [`daifi_verify`]; `0` when the proof
//!   verifies, else a [`code`] naming why not.

#![cfg_attr(all(target_family = "wasm", not(feature = "std")), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use daifi_zk_verifier::{Layout, VerifyError};

/// What [`daifi_verify`] returns for each outcome.
pub fn code(result: Result<(), VerifyError>) -> u32 {
	match result {
		Ok(()) => 0,
		Err(VerifyError::MalformedVerifyingKey) => 1,
		Err(VerifyError::MalformedProof) => 2,
		Err(VerifyError::WrongPublicInputCount { .. }) => 3,
		Err(VerifyError::InvalidProof) => 4,
		Err(VerifyError::ValueOutOfRange) => 5,
	}
}

/// Verifies that the model with compressed verifying key `vk` (as
/// registered: `modelRegistry.models(hash).verifyingKey`) maps `input` to
/// `output`, in a proof bound to `binding` (`pallet_tasks::task_binding` of
/// the task and its provider), laid out by the model's registered input
/// range and output width: exactly the chain's check.
pub fn verify(
	vk: &[u8],
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	proof: &[u8],
	input_min: i64,
	input_max: i64,
	output_bits: u32,
) -> Result<(), VerifyError> {
	let layout = Layout::of(input.len(), input_min, input_max, output.len(), output_bits);
	daifi_zk_verifier::verify::<ark_bn254::Bn254>(vk, binding, input, output, &layout, proof)
}

/// Little-endian `i64`s from bytes (the caller's buffers need no alignment).
fn values(bytes: &[u8]) -> Vec<i64> {
	bytes
		.chunks_exact(8)
		.map(|chunk| {
			let mut le = [0u8; 8];
			le.copy_from_slice(chunk);
			i64::from_le_bytes(le)
		})
		.collect()
}

/// # Safety
/// `ptr` must be valid for reads of `len` bytes (or `len` zero).
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
	if len == 0 {
		&[]
	} else {
		// SAFETY: the caller's promise.
		unsafe { core::slice::from_raw_parts(ptr, len) }
	}
}

/// [`verify`] on buffers in this module's memory: the key (`vk_len`
/// bytes), the 32-byte binding, `input_len` and `output_len` values (each a
/// little-endian `i64`), the proof (`proof_len` bytes). Returns [`code`]:
/// 0 verified, 1 malformed key, 2 malformed proof, 3 wrong number of public
/// inputs, 4 invalid proof, 5 a value outside its lane.
///
/// # Safety
/// Every pointer must be valid for reads of its length (the buffers from
/// `daifi_alloc`, filled by the caller).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn daifi_verify(
	vk: *const u8,
	vk_len: usize,
	binding: *const u8,
	input: *const u8,
	input_len: usize,
	output: *const u8,
	output_len: usize,
	proof: *const u8,
	proof_len: usize,
	input_min: i64,
	input_max: i64,
	output_bits: u32,
) -> u32 {
	// SAFETY (each): the caller's promise.
	let (vk, proof) = unsafe { (bytes(vk, vk_len), bytes(proof, proof_len)) };
	let mut bound = [0u8; 32];
	bound.copy_from_slice(unsafe { bytes(binding, 32) });
	let input = values(unsafe { bytes(input, input_len.saturating_mul(8)) });
	let output = values(unsafe { bytes(output, output_len.saturating_mul(8)) });
	code(verify(vk, &bound, &input, &output, proof, input_min, input_max, output_bits))
}

/// A bump allocator over the module's linear memory: `daifi_reset` frees
/// everything at once. A verification allocates a few hundred KiB and the
/// caller resets before the next, so nothing more is needed.
#[cfg(all(target_family = "wasm", not(feature = "std")))]
mod heap {
	use core::alloc::{GlobalAlloc, Layout};
	use core::cell::Cell;

	const PAGE: usize = 65_536;

	struct Bump {
		/// The first free byte, or 0 before the first allocation.
		next: Cell<usize>,
		/// Where the heap starts (the first page grown), or 0.
		start: Cell<usize>,
	}

	// SAFETY: a wasm module instance runs on one thread.
	unsafe impl Sync for Bump {}

	unsafe impl GlobalAlloc for Bump {
		unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
			if self.start.get() == 0 {
				let first = core::arch::wasm32::memory_grow(0, 1);
				if first == usize::MAX {
					return core::ptr::null_mut();
				}
				self.start.set(first * PAGE);
				self.next.set(first * PAGE);
			}
			let at = match self.next.get().checked_add(layout.align() - 1) {
				Some(padded) => padded & !(layout.align() - 1),
				None => return core::ptr::null_mut(),
			};
			let end = match at.checked_add(layout.size()) {
				Some(end) => end,
				None => return core::ptr::null_mut(),
			};
			// Below 4 GiB the page count times the page size fits; at 4 GiB nothing more does.
			let have = match core::arch::wasm32::memory_size(0).checked_mul(PAGE) {
				Some(have) => have,
				None => return core::ptr::null_mut(),
			};
			if end > have {
				let pages = (end - have).div_ceil(PAGE);
				if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
					return core::ptr::null_mut();
				}
			}
			self.next.set(end);
			at as *mut u8
		}

		unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
	}

	#[global_allocator]
	static HEAP: Bump = Bump { next: Cell::new(0), start: Cell::new(0) };

	/// Frees everything allocated so far.
	#[no_mangle]
	pub extern "C" fn daifi_reset() {
		HEAP.next.set(HEAP.start.get());
	}

	/// `len` bytes for the caller to fill (null if memory cannot grow).
	#[no_mangle]
	pub extern "C" fn daifi_alloc(len: usize) -> *mut u8 {
		// SAFETY: alignment 1 is valid and `len` is the caller's.
		unsafe { HEAP.alloc(Layout::from_size_align_unchecked(len.max(1), 1)) }
	}

	#[panic_handler]
	fn panic(_: &core::panic::PanicInfo) -> ! {
		core::arch::wasm32::unreachable()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The committed reference proof: key, binding, input, output, proof.
	fn fixture() -> (Vec<u8>, [u8; 32], Vec<i64>, Vec<i64>, Vec<u8>) {
		// Read at run time (cargo sets it for the test): a test binary reused from
		// another checkout of the same workspace still finds the files.
		let root = format!("{}/../../pallets/model-registry/src/fixtures", std::env::var("CARGO_MANIFEST_DIR").unwrap());
		let read = |name: &str| std::fs::read(format!("{root}/{name}")).unwrap();
		let io = values(&read("mlp_64_32_10.io"));
		let binding = read("mlp_64_32_10.binding").try_into().unwrap();
		(read("mlp_64_32_10.vk"), binding, io[..64].to_vec(), io[64..].to_vec(), read("mlp_64_32_10.proof"))
	}

	#[test]
	fn the_reference_proof_verifies_and_anything_altered_does_not() {
		let (vk, binding, input, output, proof) = fixture();
		let check = |vk: &[u8], binding: &[u8; 32], input: &[i64], output: &[i64], proof: &[u8]| {
			code(verify(vk, binding, input, output, proof, 0, 256, 26))
		};
		assert_eq!(check(&vk, &binding, &input, &output, &proof), 0);
		let mut wrong = output.clone();
		wrong[3] += 1;
		assert_eq!(check(&vk, &binding, &input, &wrong, &proof), 4, "an altered output");
		assert_eq!(check(&vk, &[1; 32], &input, &output, &proof), 4, "another task's binding");
		let mut forged = proof.clone();
		forged[5] ^= 1;
		assert!(matches!(check(&vk, &binding, &input, &output, &forged), 2 | 4), "an altered proof");
		assert_eq!(check(&vk[1..], &binding, &input, &output, &proof), 1, "a truncated key");
		assert_eq!(check(&vk, &binding, &input[1..], &output, &proof), 3, "a short input");
	}
}
