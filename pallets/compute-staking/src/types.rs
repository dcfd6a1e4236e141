//! The records this pallet keeps on chain for each compute provider.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::H256;
use sp_runtime::Perbill;
use sp_staking::SessionIndex;

/// The content hash (blake2-256 of the ONNX bytes) that names a model.
pub type ModelHash = H256;

/// The identifier of a sovereign domain.
pub type DomainId = u32;

/// Longest GPU model name, in bytes (`"NVIDIA RTX 4090"`).
pub const MAX_GPU_MODEL_LEN: u32 = 64;
/// Longest region name, in bytes (`"eu-west"`).
pub const MAX_REGION_LEN: u32 = 32;
/// Most models one provider serves.
pub const MAX_MODELS_PER_PROVIDER: u32 = 16;
/// Most unbonding requests a provider has pending at once.
pub const MAX_UNLOCKING_CHUNKS: u32 = 16;

/// A GPU model name (UTF-8, bounded).
pub type GpuModel = BoundedVec<u8, ConstU32<MAX_GPU_MODEL_LEN>>;
/// A region name (UTF-8, bounded).
pub type Region = BoundedVec<u8, ConstU32<MAX_REGION_LEN>>;
/// The models a provider serves.
pub type ServedModels = BoundedVec<ModelHash, ConstU32<MAX_MODELS_PER_PROVIDER>>;

/// The machine a provider runs, as the provider declares and measures it.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct HardwareProfile {
	/// The GPU model, empty for a CPU-only node.
	pub gpu_model: GpuModel,
	/// GPU memory in MiB (0 for a CPU-only node).
	pub vram_mib: u32,
	/// Measured throughput in floating-point operations per second.
	pub flops: u64,
	/// CPU cores.
	pub cpu_cores: u16,
	/// System memory in MiB.
	pub memory_mib: u32,
}

/// How quickly a provider answers, as it declares it; the scheduler prefers
/// lower classes.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub enum LatencyClass {
	/// Answers within a block or two.
	Low,
	/// Answers within a few blocks.
	Medium,
	/// Best effort.
	High,
}

/// Everything a provider declares about the node it runs.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct NodeProfile {
	/// The hardware.
	pub hardware: HardwareProfile,
	/// The models the node serves, by content hash, without repeats.
	pub models: ServedModels,
	/// Where the node runs.
	pub region: Region,
	/// How quickly it answers.
	pub latency: LatencyClass,
}

/// Bonded funds that wait for the unbonding delay before they can be withdrawn.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct UnlockChunk<Balance, BlockNumber> {
	/// The amount.
	pub amount: Balance,
	/// The first block at which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// A provider's results as reported by the pallets that verify them, and the
/// penalty points its reputation follows from.
///
/// Reputation falls with each bad outcome and recovers with time, never with
/// successes: a success can be bought (a provider can pay for tasks it then
/// answers), time cannot. Each bad outcome adds penalty points
/// ([`Record::MISSED_POINTS`], [`Record::FAILED_POINTS`],
/// [`Record::DECLINED_POINTS`]); the points halve at each new session, and
/// the reputation is `SCALE / (SCALE + points)`. A new provider starts at
/// 100%; four missed deadlines in a session take it to 71%, forty to 20%,
/// and a clean session halves what remains.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Record {
	/// Results that were verified.
	pub verified: u32,
	/// Results that were proven wrong.
	pub failed: u32,
	/// Tasks whose deadline passed without a result.
	pub missed: u32,
	/// Tasks the provider declined.
	pub declined: u32,
	/// Penalty points as of session `session`.
	pub penalty: u32,
	/// The session `penalty` was last brought up to date in.
	pub session: SessionIndex,
}

impl Record {
	/// Points that halve the reputation of a provider without penalties.
	pub const SCALE: u32 = 20;
	/// Points of a missed deadline.
	pub const MISSED_POINTS: u32 = 2;
	/// Points of a result that failed verification: a wrong answer is worse
	/// than no answer.
	pub const FAILED_POINTS: u32 = 8;
	/// Points of a declined task: cheaper than missing it, so that a
	/// provider who cannot answer says so at once.
	pub const DECLINED_POINTS: u32 = 1;

	/// The record as of session `now`: its penalty halved once per session
	/// since it was last brought up to date.
	pub fn at(&self, now: SessionIndex) -> Record {
		let sessions = now.saturating_sub(self.session);
		let penalty = self.penalty.checked_shr(sessions).unwrap_or(0);
		Record { penalty, session: now.max(self.session), ..*self }
	}

	/// Adds `points` to the penalty, in session `now`.
	pub fn penalise(&mut self, now: SessionIndex, points: u32) {
		*self = self.at(now);
		self.penalty = self.penalty.saturating_add(points);
	}

	/// The reputation as of the last update: `SCALE / (SCALE + penalty)`,
	/// rounded down to a `Perbill`. Use [`Record::at`] first for the
	/// reputation in a later session.
	pub fn reputation(&self) -> Perbill {
		let scale = u64::from(Self::SCALE);
		Perbill::from_rational(scale, scale + u64::from(self.penalty))
	}
}

/// How many tasks a provider declined in one session.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct SessionDeclines {
	/// The session `count` belongs to.
	pub session: SessionIndex,
	/// Declines in `session`.
	pub count: u32,
}

/// An amount a provider accumulates per session (verified FLOPs, or the
/// value of the work others paid for), for the current and the last session.
///
/// Kept lazily: it rolls over when work is recorded in a new session, so no
/// per-session loop over providers is needed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct SessionCompute {
	/// The session `current` belongs to.
	pub session: SessionIndex,
	/// The amount in `session`.
	pub current: u128,
	/// The amount in `session - 1`.
	pub previous: u128,
}

impl SessionCompute {
	/// Adds `amount` in session `now`.
	pub fn record(&mut self, now: SessionIndex, amount: u128) {
		if now != self.session {
			self.previous = if now == self.session.saturating_add(1) { self.current } else { 0 };
			self.current = 0;
			self.session = now;
		}
		self.current = self.current.saturating_add(amount);
	}

	/// The amount in session `session` (zero unless it is one of the two kept).
	pub fn in_session(&self, session: SessionIndex) -> u128 {
		if session == self.session {
			self.current
		} else if session.saturating_add(1) == self.session {
			self.previous
		} else {
			0
		}
	}
}

/// A registered compute provider.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Provider<AccountId, Balance, BlockNumber> {
	/// The node it runs.
	pub profile: NodeProfile,
	/// The key its off-chain worker signs results with.
	pub compute_key: AccountId,
	/// Its sovereign domain; `None` (the open network) until domains exist.
	pub domain: Option<DomainId>,
	/// Bonded funds that back its work and count for validator selection.
	pub active: Balance,
	/// Funds on their way out, held until their delay has passed.
	pub unlocking: BoundedVec<UnlockChunk<Balance, BlockNumber>, ConstU32<MAX_UNLOCKING_CHUNKS>>,
	/// Its record of results, from which its reputation follows.
	pub record: Record,
	/// Its recently verified compute, in FLOPs.
	pub compute: SessionCompute,
	/// The part of its recently verified work that counts toward selection:
	/// the share of others' fees burned for it (see
	/// [`crate::ReportOutcome::verified`]).
	pub counted: SessionCompute,
	/// Tasks it declined in the current session.
	pub declines: SessionDeclines,
	/// Tasks assigned to it that have not closed.
	pub open_tasks: u32,
	/// Slashed since a validator selection last left it out: ranked after
	/// every other provider until one does.
	pub slashed: bool,
}

impl<AccountId, Balance, BlockNumber> Provider<AccountId, Balance, BlockNumber>
where
	Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy,
{
	/// Active and unbonding funds together: what is held and what can be slashed.
	pub fn total_bond(&self) -> Balance {
		self.unlocking.iter().fold(self.active, |sum, c| sum.saturating_add(c.amount))
	}

	/// Whether the provider has unbonded everything and is on its way out.
	pub fn is_leaving(&self) -> bool {
		self.active.is_zero()
	}
}

/// What a scheduler needs to know about a provider (see [`crate::ComputeProviders`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProviderView<Balance> {
	/// GPU memory in MiB.
	pub vram_mib: u32,
	/// Measured throughput in FLOP/s.
	pub flops: u64,
	/// Declared latency class.
	pub latency: LatencyClass,
	/// Current reputation.
	pub reputation: Perbill,
	/// Tasks currently open.
	pub open_tasks: u32,
	/// Active bond.
	pub bond: Balance,
	/// Sovereign domain.
	pub domain: Option<DomainId>,
}

/// A provider's standing as the runtime API reports it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct Standing<Balance> {
	/// Active bond.
	pub active: Balance,
	/// Funds unbonding.
	pub unlocking: Balance,
	/// The record of results.
	pub record: Record,
	/// The reputation that follows from the record.
	pub reputation: Perbill,
	/// FLOPs verified in the last completed session.
	pub last_session_flops: u128,
	/// Work counted toward selection in the last completed session.
	pub last_session_counted: u128,
	/// The Proof-of-Compute score used at the next selection.
	pub score: u128,
	/// Tasks open.
	pub open_tasks: u32,
}
