//! Tests by topic.

mod scheduling;
mod composition;
mod redundant;
mod self_dealing;
mod submission;
mod verification;
mod worker;
