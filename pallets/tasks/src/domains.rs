//! Sovereign domains as the market sees them: where a task may run, and how
//! its pay crosses a domain's boundary.
//!
//! A task's **home** is its owner's domain (`None`: the open network). The
//! scheduler draws its executors only among providers the home's and the
//! provider's domain policies both allow ([`eligible`]); pay that crosses
//! from one side to another goes through the domains' gateways
//! ([`DomainRules::cross`]), which clear the net positions once per period.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use pallet_compute_staking::DomainId;
use pallet_model_registry::ModelHash;
use scale_info::TypeInfo;
use sp_runtime::{DispatchError, Perbill};

/// How a domain's own tasks choose among its members.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default,
)]
pub enum Preference {
	/// As on the open network: in proportion to `reputation × bond / (1 + open tasks)`.
	#[default]
	Stake,
	/// Every eligible member alike, in proportion to `1 / (1 + open tasks)`:
	/// an organisation's own machines, whose bonds say nothing about which
	/// should work.
	Even,
}

/// What the scheduler needs of one domain's policy.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DomainTerms {
	/// Its members' tasks run only on its members (data locality).
	pub local: bool,
	/// Its members serve tasks from outside it, for this surcharge on the
	/// executor's share (`None`: they do not).
	pub outside_markup: Option<Perbill>,
	/// The model may run inside it.
	pub model_allowed: bool,
	/// How its own tasks choose among its members.
	pub preference: Preference,
}

/// The domains, as the task market asks of them.
pub trait DomainRules<AccountId, Balance> {
	/// The domain `who` belongs to (`None`: the open network).
	fn domain_of(who: &AccountId) -> Option<DomainId>;

	/// `domain`'s terms for `model`, `None` if there is no such domain.
	fn terms(domain: DomainId, model: &ModelHash) -> Option<DomainTerms>;

	/// `amount` of a task whose owner is on side `home` crosses to
	/// `executor` on side `to`: records it for clearing and returns the
	/// account to pay it to (the home side's gateway), which owes it on to
	/// the executor after clearing. Fails if the crossing cannot be recorded
	/// (the market then pays the executor directly).
	fn cross(
		executor: &AccountId,
		home: Option<DomainId>,
		to: Option<DomainId>,
		amount: Balance,
	) -> Result<AccountId, DispatchError>;

	/// Whether any domain exists (if none, every task is on the open network).
	fn any() -> bool;
}

/// No domains: every account and provider is on the open network.
impl<AccountId, Balance> DomainRules<AccountId, Balance> for () {
	fn domain_of(_: &AccountId) -> Option<DomainId> {
		None
	}

	fn terms(_: DomainId, _: &ModelHash) -> Option<DomainTerms> {
		None
	}

	fn cross(_: &AccountId, _: Option<DomainId>, _: Option<DomainId>, _: Balance) -> Result<AccountId, DispatchError> {
		Err(DispatchError::Other("no domains"))
	}

	fn any() -> bool {
		false
	}
}

/// Whether a provider of domain `provider` may run a task whose home is
/// `home` (with `home_terms`, its terms if it is a domain), given the
/// provider's domain's terms `provider_terms` and whether the task's
/// `max_fee` covers the surcharge (`markup_fits`) and its payment may cross
/// (`crossable`: credits never cross a boundary).
///
/// - Same side (both the open network, or the same domain): yes, if the
///   model may run there.
/// - A home that keeps its data inside (`local`): no one outside it.
/// - Another domain: only if it serves outsiders, allows the model, the
///   surcharge fits and the payment can cross.
/// - The open network serves anyone whose home lets the task out, if the
///   payment can cross.
pub fn eligible(
	home: Option<DomainId>,
	home_terms: Option<&DomainTerms>,
	provider: Option<DomainId>,
	provider_terms: Option<&DomainTerms>,
	crossable: bool,
	markup_fits: impl Fn(Perbill) -> bool,
) -> bool {
	if home == provider {
		return provider_terms.map_or(provider.is_none(), |t| t.model_allowed);
	}
	if home_terms.is_some_and(|t| t.local) || (home.is_some() && home_terms.is_none()) || !crossable {
		return false;
	}
	match provider {
		None => true,
		Some(_) => provider_terms.is_some_and(|t| {
			t.model_allowed && t.outside_markup.is_some_and(|markup| markup_fits(markup))
		}),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn terms(local: bool, outside: Option<u32>, allowed: bool) -> DomainTerms {
		DomainTerms {
			local,
			outside_markup: outside.map(Perbill::from_percent),
			model_allowed: allowed,
			preference: Preference::Stake,
		}
	}

	#[test]
	fn a_local_domain_keeps_its_tasks_inside() {
		let home = terms(true, None, true);
		assert!(eligible(Some(1), Some(&home), Some(1), Some(&home), true, |_| true));
		assert!(!eligible(Some(1), Some(&home), None, None, true, |_| true));
		let open = terms(false, Some(0), true);
		assert!(!eligible(Some(1), Some(&home), Some(2), Some(&open), true, |_| true));
	}

	#[test]
	fn a_domain_serves_outsiders_only_if_its_policy_says_so_and_the_markup_fits() {
		let closed = terms(false, None, true);
		let open = terms(false, Some(10), true);
		let no_model = terms(false, Some(10), false);
		assert!(!eligible(None, None, Some(2), Some(&closed), true, |_| true));
		assert!(eligible(None, None, Some(2), Some(&open), true, |_| true));
		assert!(!eligible(None, None, Some(2), Some(&open), true, |_| false));
		assert!(!eligible(None, None, Some(2), Some(&no_model), true, |_| true));
		// Credits do not cross.
		assert!(!eligible(None, None, Some(2), Some(&open), false, |_| true));
		// A domain that no longer exists serves nobody.
		assert!(!eligible(None, None, Some(2), None, true, |_| true));
	}

	#[test]
	fn the_open_network_serves_whoever_may_leave_home() {
		let away = terms(false, None, true);
		assert!(eligible(None, None, None, None, false, |_| false));
		assert!(eligible(Some(1), Some(&away), None, None, true, |_| false));
		assert!(!eligible(Some(1), Some(&away), None, None, false, |_| true));
		// A home that disappeared keeps its tasks where they are.
		assert!(!eligible(Some(1), None, None, None, true, |_| true));
		// A member's own domain must still allow the model.
		let no_model = terms(false, None, false);
		assert!(!eligible(Some(1), Some(&no_model), Some(1), Some(&no_model), true, |_| true));
	}
}
