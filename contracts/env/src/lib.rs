//! The reference node's host functions (Wasm module `env`), as an engine contract uses
//! them: its call's input and output, and its key-value storage as an
//! [`evmpc_state::ContractStorage`]. Also the contract's allocator and panic handler.

#![no_std]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A panic aborts the contract call with its message (the node keeps none of its writes).
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut message = alloc::string::String::new();
    let _ = write!(message, "{}", info.message());
    abort(&message)
}

#[link(wasm_import_module = "env")]
unsafe extern "C" {
    fn input_len() -> i64;
    fn input_read(dest: i32);
    fn output(ptr: i32, len: i32);
    fn storage_read(key: i32, key_len: i32) -> i64;
    fn register_read(dest: i32);
    fn storage_write(key: i32, key_len: i32, value: i32, value_len: i32);
    fn storage_remove(key: i32, key_len: i32);
    fn abort_call(message: i32, len: i32) -> !;
}

/// The call's input.
pub fn input() -> Vec<u8> {
    let mut bytes = vec![0; unsafe { input_len() } as usize];
    unsafe { input_read(bytes.as_mut_ptr() as i32) };
    bytes
}

/// Sets the call's output.
pub fn set_output(bytes: &[u8]) {
    unsafe { output(bytes.as_ptr() as i32, bytes.len() as i32) }
}

/// Ends the call as failed, with `message`.
pub fn abort(message: &str) -> ! {
    unsafe { abort_call(message.as_ptr() as i32, message.len() as i32) }
}

/// The contract's storage through the node's host functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeStorage;

impl evmpc_state::ContractStorage for NodeStorage {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        let len = unsafe { storage_read(key.as_ptr() as i32, key.len() as i32) };
        let len = usize::try_from(len).ok()?;
        let mut value = vec![0; len];
        unsafe { register_read(value.as_mut_ptr() as i32) };
        Some(value)
    }

    fn write(&mut self, key: &[u8], value: &[u8]) {
        unsafe { storage_write(key.as_ptr() as i32, key.len() as i32, value.as_ptr() as i32, value.len() as i32) }
    }

    fn remove(&mut self, key: &[u8]) {
        unsafe { storage_remove(key.as_ptr() as i32, key.len() as i32) }
    }
}
