//! Integration tests of `evmpc-host`: one binary, one module per concern.

mod artifact;
mod asm;
mod bad_input;
mod code_window;
mod differential;
mod engine;
mod executor;
mod fees;
mod harness;
mod inline_calls;
mod layout;
mod node_link;
mod spec;
mod subcalls;
