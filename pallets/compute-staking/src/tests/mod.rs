//! Tests by topic.

mod calls;
mod outcomes;
mod selection;
mod slashing;
