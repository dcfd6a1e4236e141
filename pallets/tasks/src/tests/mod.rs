//! Tests by topic.

mod scheduling;
mod submission;
mod verification;
mod worker;
