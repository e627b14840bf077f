//! Integration tests of `evmpc-host`: one binary, one module per concern.

mod artifact;
mod asm;
mod bad_input;
mod differential;
mod engine;
mod executor;
mod fees;
mod harness;
mod inline_calls;
mod spec;
mod subcalls;
