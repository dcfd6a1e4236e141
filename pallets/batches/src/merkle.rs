//! The batch's Merkle tree: a binary tree over the leaf hashes, level by
//! level; a node without a sibling is paired with the zero hash. Leaves and
//! nodes are hashed under different tags, so a node cannot pass for a leaf.
//! A path names the sibling at each level from the leaf up; its length is
//! the tree's depth, `ceil(log2(results))`.

use alloc::vec::Vec;
use codec::Encode;
use sp_core::H256;

/// The hash of a leaf.
pub fn leaf_hash<L: Encode>(leaf: &L) -> H256 {
	H256(sp_io::hashing::blake2_256(&(b"daifi/batch-leaf", leaf).encode()))
}

/// The hash of an inner node.
pub fn node_hash(left: &H256, right: &H256) -> H256 {
	H256(sp_io::hashing::blake2_256(&(b"daifi/batch-node", left, right).encode()))
}

/// The depth of a tree of `results` leaves (0 for one leaf).
pub fn depth(results: u32) -> u32 {
	if results <= 1 { 0 } else { 32 - (results - 1).leading_zeros() }
}

/// The root computed from the leaf hash at `index` and its path. `None` if
/// the index is past the last leaf or the path is not the tree's depth.
pub fn root_from_path(leaf: H256, index: u32, path: &[H256], results: u32) -> Option<H256> {
	if index >= results || path.len() != depth(results) as usize {
		return None;
	}
	let mut hash = leaf;
	for (level, sibling) in path.iter().enumerate() {
		hash = if (index >> level) & 1 == 0 { node_hash(&hash, sibling) } else { node_hash(sibling, &hash) };
	}
	Some(hash)
}

/// Every level of the tree over `leaves` (hashes), from the leaves up to the
/// root. For whoever builds a batch: the committee's nodes, tests, scripts.
pub fn levels(leaves: Vec<H256>) -> Vec<Vec<H256>> {
	let mut levels = alloc::vec![if leaves.is_empty() { alloc::vec![H256::zero()] } else { leaves }];
	while levels.last().map_or(false, |l| l.len() > 1) {
		let below = levels.last().expect("not empty; qed");
		let above = below.chunks(2).map(|pair| node_hash(&pair[0], pair.get(1).unwrap_or(&H256::zero()))).collect();
		levels.push(above);
	}
	levels
}

/// The root of the tree over `leaves`.
pub fn root(leaves: Vec<H256>) -> H256 {
	levels(leaves).last().and_then(|l| l.first()).copied().unwrap_or_default()
}

/// The path of leaf `index` in `levels`.
pub fn path(levels: &[Vec<H256>], index: u32) -> Vec<H256> {
	let below_root = levels.len().saturating_sub(1);
	(0..below_root)
		.map(|level| {
			let sibling = ((index >> level) ^ 1) as usize;
			levels[level].get(sibling).copied().unwrap_or_default()
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn leaves(n: u32) -> Vec<H256> {
		(0..n).map(|i| leaf_hash(&i)).collect()
	}

	#[test]
	fn every_leaf_proves_its_place_and_no_other() {
		for n in [1u32, 2, 3, 5, 8, 13] {
			let levels = levels(leaves(n));
			let root = *levels.last().unwrap().first().unwrap();
			assert_eq!(levels.len() as u32 - 1, depth(n));
			for i in 0..n {
				let p = path(&levels, i);
				assert_eq!(root_from_path(leaf_hash(&i), i, &p, n), Some(root), "leaf {i} of {n}");
				// The same leaf at another index, or another leaf here, gives another root.
				if n > 1 {
					assert_ne!(root_from_path(leaf_hash(&i), (i + 1) % n, &p, n), Some(root));
				}
				assert_ne!(root_from_path(leaf_hash(&(i + 100)), i, &p, n), Some(root));
			}
		}
	}

	#[test]
	fn depth_is_the_ceiling_of_log2_up_to_u32_max() {
		let cases = [(0, 0), (1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (1 << 31, 31), ((1 << 31) + 1, 32), (u32::MAX, 32)];
		for (results, expected) in cases {
			assert_eq!(depth(results), expected, "{results}");
		}
	}

	#[test]
	fn padding_and_inner_nodes_are_not_leaves() {
		let n = 3;
		let levels = levels(leaves(n));
		let root = *levels.last().unwrap().first().unwrap();
		// Index 3 is the padding: past the last leaf.
		assert_eq!(root_from_path(H256::zero(), 3, &path(&levels, 3), n), None);
		// A short path (an inner node presented as a leaf) is refused.
		assert_eq!(root_from_path(levels[1][0], 0, &path(&levels, 0)[1..], n), None);
		// An inner node with a path of the right length does not give the root.
		assert_ne!(root_from_path(levels[1][0], 0, &path(&levels, 0), n), Some(root));
	}
}
