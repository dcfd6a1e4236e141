//! Tests by topic.

mod scheduling;
mod domains;
mod composition;
mod redundant;
mod self_dealing;
mod batched_results;
mod submission;
mod verification;
mod worker;
