//! Tests by topic.

mod scheduling;
mod self_dealing;
mod submission;
mod verification;
mod worker;
