//! The circuit: affine forms over wires, the step program, gadgets and the
//! R1CS synthesis.

pub mod affine;
pub mod gadgets;
pub mod program;
pub mod synth;
